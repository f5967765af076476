using Skein.Core.Protos.Workload;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>What happened to one request, filled in along the pipeline for its access log line and metrics.</summary>
public sealed class RequestOutcome
{
    public ListenerRuntime? Listener { get; set; }

    public string? Route { get; set; }

    public Service? Service { get; set; }

    public UpstreamEndpoint? Endpoint { get; set; }

    public bool MutualTls { get; set; }

    public int Attempts { get; set; }

    /// <summary>Envoy response flags: NR no route, UH no healthy upstream, UF connect failure, URX retries exhausted, UT timeout, FI fault abort, DI fault delay, UO pool overflow, RL rate limited, DC client gone.</summary>
    public string Flags { get; set; } = "-";

    public string Details { get; set; } = "via_upstream";

    /// <summary>Set when AuthorizationPolicy refused the request: the deciding policy ("none" when no ALLOW policy matched).</summary>
    public string? DeniedBy { get; set; }

    /// <summary>Whether a fault filter delayed the request (flag DI).</summary>
    public bool FaultDelayed { get; set; }

    /// <summary>The outlier ejection this request's result caused, in words, if any.</summary>
    public string? Ejected { get; set; }

    /// <summary>The HTTP status of the proxy's own answer (0: none); the access log records it, also when a gRPC client got it as Trailers-Only 200.</summary>
    public int LocalStatus { get; set; }

    /// <summary>The reason the proxy's own answer gives the client (plain-text body or grpc-message); null when the upstream answered.</summary>
    public string? LocalReason { get; set; }
}
