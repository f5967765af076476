using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Skein.Core.Xds;
using Skein.Proxy.Capture;
using Skein.Proxy.Identity;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Admin;

/// <summary>What the proxy's admin API (loopback only: <c>/ready</c>, <c>/memory</c>, <c>/stats</c>, <c>/config_dump</c>) and its Prometheus endpoint (<c>/metrics</c>) answer; <see cref="AdminServer"/> serves them.</summary>
internal sealed class AdminEndpoints(IServiceProvider services)
{
    /// <summary>The paths served on the admin port (never on the metrics port), each a handler of the request's query string.</summary>
    public Dictionary<string, Func<string, AdminResponse>> Admin() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["/ready"] = _ => Ready(),
        ["/memory"] = _ => Memory(),
        ["/stats"] = query => Stats(AdminRequestParser.QueryValue(query, "format")),
        ["/config_dump"] = _ => ConfigDump(),
    };

    /// <summary>The paths served on the metrics port.</summary>
    public Dictionary<string, Func<string, AdminResponse>> Metrics() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["/metrics"] = _ => new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8",
            services.GetRequiredService<TcpMetrics>().Render() + (L7.L7Services.IsSupported ? services.GetService<L7.Observability.HttpMetrics>()?.Render() : null)),
    };

    /// <summary>The paths served on the readiness port: Istio's <c>/healthz/ready</c> (and <c>/ready</c>), nothing else.</summary>
    public Dictionary<string, Func<string, AdminResponse>> Readiness() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["/healthz/ready"] = _ => Ready(),
        ["/ready"] = _ => Ready(),
    };

    private AdminResponse Ready()
    {
        var options = services.GetRequiredService<ProxyOptions>();
        if (services.GetService<ListenerRegistry>() is { Stopped: true })
        {
            return AdminResponse.Text("draining\n", 503);
        }

        return services.GetRequiredService<XdsStatus>().HasConfig(options.Role == "node" ? TypeUrls.NodeTypes : TypeUrls.L7Types)
            ? AdminResponse.Text("LIVE\n")
            : AdminResponse.Text("waiting for config from the control plane\n", 503);
    }

    private static AdminResponse Memory()
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
    }

    private AdminResponse Stats(string? format)
    {
        var stats = services.GetRequiredService<ProxyStats>();
        if (format != "json")
        {
            return AdminResponse.Text(stats.RenderText());
        }

        var json = new JsonObject();
        foreach (var (name, value) in stats.Snapshot())
        {
            json[name] = value;
        }

        return Json(json);
    }

    private AdminResponse ConfigDump()
    {
        var options = services.GetRequiredService<ProxyOptions>();
        var state = services.GetRequiredService<ProxyStateStore>();
        var xds = services.GetRequiredService<XdsStatus>();
        var upstreams = services.GetRequiredService<UpstreamListeners>();
        var workloadListeners = services.GetRequiredService<WorkloadListeners>();
        var certificates = services.GetRequiredService<WorkloadCertificates>();
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
            ["listeners"] = Strings(upstreams.Describe().Concat(workloadListeners.Describe()).Concat(services.GetService<Capture.CaptureListeners>()?.Describe() ?? [])),
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
    }

    // The admin documents are built as JsonNode trees rather than serialized from anonymous types: that
    // needs no reflection, so the node proxy compiles ahead of time (NativeAOT) with the same endpoints.
    private static AdminResponse Json(JsonNode node) => new(200, AdminResponse.Json, node.ToJsonString());

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
