using System.Text.Json.Nodes;

namespace Skein.Core.Resources;

/// <summary>Per-service client-side behaviour: load balancing, limits, outlier ejection, retries, timeouts, faults.</summary>
public sealed class TrafficPolicyResource : Resource<TrafficPolicySpec, JsonObject>
{
    /// <summary>Creates an empty TrafficPolicy.</summary>
    public TrafficPolicyResource()
        : base(ApiVersions.SkeinV1Alpha1, "TrafficPolicy")
    {
    }
}

/// <summary>The Services a traffic policy applies to and its settings; absent sections keep Skein's defaults.</summary>
public sealed class TrafficPolicySpec
{
    /// <summary>The Services (group "", kind Service) the policy applies to.</summary>
    [Required]
    [MinItems(1)]
    public List<PolicyTargetReference> TargetRefs { get; set; } = [];

    /// <summary>Endpoint selection.</summary>
    public LoadBalancerSettings? LoadBalancer { get; set; }

    /// <summary>Connection and request limits per client proxy.</summary>
    public ConnectionPoolSettings? ConnectionPool { get; set; }

    /// <summary>Passive health checking.</summary>
    public OutlierDetectionSettings? OutlierDetection { get; set; }

    /// <summary>Default retries (routes may override).</summary>
    public RetrySettings? Retries { get; set; }

    /// <summary>Default timeouts (routes may override).</summary>
    public TimeoutSettings? Timeouts { get; set; }

    /// <summary>Local rate limit, token bucket per client proxy.</summary>
    public RateLimitSettings? RateLimit { get; set; }

    /// <summary>Fault injection for resilience testing.</summary>
    public FaultInjectionSettings? Faults { get; set; }
}
