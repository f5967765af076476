using System.Net;
using System.Text.Json.Nodes;
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
                Results.Text(metrics.Render() + (L7.L7Services.IsSupported ? services.GetService<L7.Observability.HttpMetrics>()?.Render() : null), "text/plain; version=0.0.4; charset=utf-8"))
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
            return Json(new JsonObject
            {
                ["workingSetBytes"] = self.WorkingSet64,
                ["peakWorkingSetBytes"] = self.PeakWorkingSet64,
                ["managedHeapBytes"] = info.HeapSizeBytes,
                ["committedBytes"] = info.TotalCommittedBytes,
                ["fragmentedBytes"] = info.FragmentedBytes,
                ["pinnedObjects"] = info.PinnedObjectsCount,
                ["totalAllocatedBytes"] = GC.GetTotalAllocatedBytes(),
                ["gen0Collections"] = GC.CollectionCount(0),
                ["gen1Collections"] = GC.CollectionCount(1),
                ["gen2Collections"] = GC.CollectionCount(2),
                ["serverGc"] = System.Runtime.GCSettings.IsServerGC,
                ["concurrentGc"] = info.Concurrent,
                ["generations"] = Array(info.GenerationInfo.ToArray(), g => new JsonObject { ["sizeAfterBytes"] = g.SizeAfterBytes, ["fragmentationAfterBytes"] = g.FragmentationAfterBytes }),
            });
        });

        admin.MapGet("/stats", (ProxyStats stats, string? format) =>
        {
            if (format != "json")
            {
                return Results.Text(stats.RenderText());
            }

            var json = new JsonObject();
            foreach (var (name, value) in stats.Snapshot())
            {
                json[name] = value;
            }

            return Json(json);
        });

        admin.MapGet("/config_dump", (ProxyOptions options, ProxyStateStore state, XdsStatus xds, UpstreamListeners upstreams, WorkloadListeners workloadListeners, WorkloadCertificates certificates, IServiceProvider services) =>
        {
            var mesh = state.Current;
            var versions = new JsonObject();
            foreach (var (typeUrl, resources) in xds.AllVersions())
            {
                var byName = new JsonObject();
                foreach (var (name, version) in resources)
                {
                    byName[name] = version;
                }

                versions[typeUrl] = byName;
            }

            return Json(new JsonObject
            {
                ["node"] = options.Node,
                ["role"] = options.Role,
                ["controlPlane"] = new JsonObject
                {
                    ["address"] = options.ControlPlane.ToString(),
                    ["connected"] = xds.Connected,
                    ["version"] = xds.ControlPlaneVersion,
                    ["lastUpdate"] = state.LastUpdate,
                    ["lastRejection"] = xds.LastRejection,
                    ["lastRejectionAt"] = xds.LastRejectionAt,
                },
                ["versions"] = versions,
                ["workloads"] = Array(mesh.Workloads.Values.OrderBy(w => w.Uid, StringComparer.Ordinal), w =>
                {
                    var servicePorts = new JsonObject();
                    foreach (var (service, ports) in w.Services)
                    {
                        servicePorts[service] = Strings(ports.Ports.Select(x => $"{x.ServicePort}->{x.TargetPort}"));
                    }

                    return new JsonObject
                    {
                        ["uid"] = w.Uid,
                        ["name"] = w.Name,
                        ["namespace"] = w.Namespace,
                        ["node"] = w.Node,
                        ["addresses"] = Strings(w.Addresses.Select(a => new IPAddress(a.Span).ToString())),
                        ["serviceAccount"] = w.ServiceAccount,
                        ["canonicalName"] = w.CanonicalName,
                        ["canonicalRevision"] = w.CanonicalRevision,
                        ["services"] = servicePorts,
                    };
                }),
                ["services"] = Array(mesh.Services.Values.OrderBy(MeshState.ServiceKey, StringComparer.Ordinal), s => new JsonObject
                {
                    ["name"] = s.Name,
                    ["namespace"] = s.Namespace,
                    ["hostname"] = s.Hostname,
                    ["addresses"] = Strings(s.Addresses.Select(a => new IPAddress(a.Address.Span).ToString())),
                    ["ports"] = Array(s.Ports, p => new JsonObject { ["port"] = p.ServicePort, ["targetPort"] = p.TargetPort }),
                    ["endpoints"] = Strings(mesh.EndpointsByService.GetValueOrDefault(MeshState.ServiceKey(s))?.Select(w => w.Uid) ?? []),
                }),
                ["upstreams"] = Array(mesh.Upstreams.OrderBy(p => p.Key, StringComparer.Ordinal), p => new JsonObject
                {
                    ["name"] = p.Key,
                    ["listen"] = UpstreamHandler.EndPointOf(p.Value).ToString(),
                    ["service"] = p.Value.Service,
                    ["port"] = p.Value.ServicePort,
                }),
                ["policies"] = Strings(mesh.Policies.Keys.Order(StringComparer.Ordinal)),
                ["listeners"] = Strings(upstreams.Describe().Concat(workloadListeners.Describe())),
                ["l7"] = L7.L7Services.IsSupported && services.GetService<L7.Configuration.L7ConfigStore>() is { } l7 ? L7.Configuration.L7ConfigDump.Describe(l7, services.GetRequiredService<L7.Listeners.ListenerManager>()) : null,
                ["certificates"] = Array(certificates.All, c => new JsonObject
                {
                    ["identity"] = c.Id.ToString(),
                    ["serial"] = c.Certificate.SerialNumber,
                    ["notBefore"] = c.NotBefore,
                    ["notAfter"] = c.NotAfter,
                    ["renewAt"] = c.RenewAt,
                    ["chainLength"] = c.Chain.Count + 1,
                }),
            });
        });
    }

    // The admin documents are built as JsonNode trees rather than serialized from anonymous types: that
    // needs no reflection, so the node proxy compiles ahead of time (NativeAOT) with the same endpoints.
    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json; charset=utf-8");

    /// <summary>A JSON array of <paramref name="items"/>, each turned into a node.</summary>
    internal static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> item)
    {
        var array = new JsonArray();
        foreach (var i in items)
        {
            array.Add(item(i));
        }

        return array;
    }

    /// <summary>A JSON array of strings.</summary>
    internal static JsonArray Strings(IEnumerable<string> items) => Array(items, s => JsonValue.Create(s));
}
