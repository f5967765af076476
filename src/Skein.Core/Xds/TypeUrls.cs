namespace Skein.Core.Xds;

/// <summary>The xDS type URLs Skein's control plane serves and its proxies subscribe to.</summary>
public static class TypeUrls
{
    /// <summary>Istio's workload API: one resource per Workload or Service (wire-compatible with ztunnel).</summary>
    public const string Address = "type.googleapis.com/istio.workload.Address";

    /// <summary>Skein's Consul-style localhost upstreams, scoped to the workloads of one node.</summary>
    public const string Upstream = "type.googleapis.com/skein.v1alpha1.Upstream";

    /// <summary>Istio's L4 authorization policies (wire-compatible with ztunnel, plus AUDIT).</summary>
    public const string Authorization = "type.googleapis.com/istio.security.Authorization";

    /// <summary>Each workload's resolved PeerAuthentication mode (whole workload and per port).</summary>
    public const string WorkloadMtls = "type.googleapis.com/skein.v1alpha1.WorkloadMtls";

    /// <summary>Compiled Telemetry resources: access log format, sampling and streaming, mesh-wide or per namespace (every role; not needed for readiness).</summary>
    public const string Telemetry = "type.googleapis.com/skein.v1alpha1.Telemetry";

    /// <summary>Skein's compact L7 config: one resource per Gateway (ingress class <c>skein</c> or waypoint class <c>skein-waypoint</c>).</summary>
    public const string Gateway = "type.googleapis.com/skein.v1alpha1.Gateway";

    /// <summary>Federated trust bundles: one resource per peer trust domain (every role; not needed for readiness).</summary>
    public const string TrustBundle = "type.googleapis.com/skein.v1alpha1.TrustBundle";

    /// <summary>Types a node proxy subscribes to, in the order it applies them.</summary>
    public static readonly IReadOnlyList<string> NodeTypes = [Address, Authorization, WorkloadMtls, Upstream];

    /// <summary>Types a gateway or waypoint proxy needs before it is ready: its Gateways plus what resolves their backends (Telemetry is subscribed but optional).</summary>
    public static readonly IReadOnlyList<string> L7Types = [Address, Authorization, WorkloadMtls, Gateway];
}
