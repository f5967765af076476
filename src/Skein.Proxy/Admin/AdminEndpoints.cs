using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Skein.Core.Xds;
using Skein.Proxy.Capture;
using Skein.Proxy.Identity;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Admin;

/// <summary>The proxy's admin API (loopback only): <c>/config_dump</c>, <c>/ready</c>, <c>/stats</c>.</summary>
public static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ProxyOptions proxy)
    {
        app.MapGet("/metrics", (TcpMetrics metrics, IServiceProvider services) =>
                Results.Text(metrics.Render() + services.GetService<L7.Observability.HttpMetrics>()?.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .RequireHost($"*:{proxy.MetricsPort}");
        MapAdmin(app, $"*:{proxy.AdminPort}");
    }

    private static void MapAdmin(IEndpointRouteBuilder app, string host)
    {
        // Admin answers only on its own (loopback) port, never on the metrics port.
        var admin = app.MapGroup("").RequireHost(host);
        admin.MapGet("/ready", (XdsStatus xds, ProxyOptions options) =>
            xds.HasConfig(options.Role == "node" ? TypeUrls.NodeTypes : TypeUrls.L7Types) ? Results.Text("LIVE\n") : Results.Text("waiting for config from the control plane\n", statusCode: 503));

        admin.MapGet("/memory", () =>
        {
            // Where the process's memory goes: the managed heap (and its fragmentation) versus everything else.
            var info = GC.GetGCMemoryInfo();
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return Results.Json(new
            {
                workingSetBytes = self.WorkingSet64,
                peakWorkingSetBytes = self.PeakWorkingSet64,
                managedHeapBytes = info.HeapSizeBytes,
                committedBytes = info.TotalCommittedBytes,
                fragmentedBytes = info.FragmentedBytes,
                pinnedObjects = info.PinnedObjectsCount,
                totalAllocatedBytes = GC.GetTotalAllocatedBytes(),
                gen0Collections = GC.CollectionCount(0),
                gen1Collections = GC.CollectionCount(1),
                gen2Collections = GC.CollectionCount(2),
                serverGc = System.Runtime.GCSettings.IsServerGC,
                generations = info.GenerationInfo.ToArray().Select(g => new { sizeAfterBytes = g.SizeAfterBytes, fragmentationAfterBytes = g.FragmentationAfterBytes }),
            });
        });

        admin.MapGet("/stats", (ProxyStats stats, string? format) =>
            format == "json"
                ? Results.Json(stats.Snapshot().ToDictionary(p => p.Key, p => p.Value))
                : Results.Text(stats.RenderText()));

        admin.MapGet("/config_dump", (ProxyOptions options, ProxyStateStore state, XdsStatus xds, UpstreamListeners upstreams, WorkloadListeners workloadListeners, WorkloadCertificates certificates, IServiceProvider services) =>
        {
            var mesh = state.Current;
            return Results.Json(new
            {
                node = options.Node,
                role = options.Role,
                controlPlane = new
                {
                    address = options.ControlPlane.ToString(),
                    connected = xds.Connected,
                    version = xds.ControlPlaneVersion,
                    lastUpdate = state.LastUpdate,
                    lastRejection = xds.LastRejection,
                    lastRejectionAt = xds.LastRejectionAt,
                },
                versions = xds.AllVersions(),
                workloads = mesh.Workloads.Values.OrderBy(w => w.Uid, StringComparer.Ordinal).Select(w => new
                {
                    uid = w.Uid,
                    name = w.Name,
                    @namespace = w.Namespace,
                    node = w.Node,
                    addresses = w.Addresses.Select(a => new IPAddress(a.Span).ToString()),
                    serviceAccount = w.ServiceAccount,
                    canonicalName = w.CanonicalName,
                    canonicalRevision = w.CanonicalRevision,
                    services = w.Services.ToDictionary(p => p.Key, p => p.Value.Ports.Select(x => $"{x.ServicePort}->{x.TargetPort}")),
                }),
                services = mesh.Services.Values.OrderBy(MeshState.ServiceKey, StringComparer.Ordinal).Select(s => new
                {
                    name = s.Name,
                    @namespace = s.Namespace,
                    hostname = s.Hostname,
                    addresses = s.Addresses.Select(a => new IPAddress(a.Address.Span).ToString()),
                    ports = s.Ports.Select(p => new { port = p.ServicePort, targetPort = p.TargetPort }),
                    endpoints = mesh.EndpointsByService.GetValueOrDefault(MeshState.ServiceKey(s))?.Select(w => w.Uid) ?? [],
                }),
                upstreams = mesh.Upstreams.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new
                {
                    name = p.Key,
                    listen = UpstreamHandler.EndPointOf(p.Value).ToString(),
                    service = p.Value.Service,
                    port = p.Value.ServicePort,
                }),
                policies = mesh.Policies.Keys.Order(StringComparer.Ordinal),
                listeners = upstreams.Describe().Concat(workloadListeners.Describe()),
                l7 = services.GetService<L7.Configuration.L7ConfigStore>() is { } l7 ? L7.Configuration.L7ConfigDump.Describe(l7, services.GetRequiredService<L7.Listeners.ListenerManager>()) : null,
                certificates = certificates.All.Select(c => new
                {
                    identity = c.Id.ToString(),
                    serial = c.Certificate.SerialNumber,
                    notBefore = c.NotBefore,
                    notAfter = c.NotAfter,
                    renewAt = c.RenewAt,
                    chainLength = c.Chain.Count + 1,
                }),
            });
        });
    }
}
