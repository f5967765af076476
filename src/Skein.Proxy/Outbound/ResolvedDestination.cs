using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Outbound;

/// <summary>A destination after mesh resolution: the service (if any), its port, and candidate endpoints.</summary>
public sealed record ResolvedDestination(Service? Service, int Port, IReadOnlyList<UpstreamEndpoint> Endpoints, OutboundError Error, string Detail)
{
    /// <summary>The stats cluster this traffic is counted under.</summary>
    /// <remarks>Formatted once: resolutions of a service port are shared by every connection in a snapshot.</remarks>
    public string Cluster => field ??= Service is { } s ? Telemetry.ProxyStats.ClusterName(s.Hostname, Port) : "PassthroughCluster";

    public static ResolvedDestination Failed(OutboundError error, string detail) => new(null, 0, [], error, detail);
}
