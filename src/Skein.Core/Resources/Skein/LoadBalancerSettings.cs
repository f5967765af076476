using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>How a client picks an endpoint.</summary>
public sealed class LoadBalancerSettings
{
    /// <summary>The algorithm.</summary>
    public LoadBalancerType Type { get; set; } = LoadBalancerType.P2cEwma;

    /// <summary>Prefer endpoints in the caller's locality while they are healthy; Skein's default is true.</summary>
    public bool? LocalityPreference { get; set; }
}

/// <summary>Load balancing algorithms.</summary>
public enum LoadBalancerType
{
    /// <summary>Power of two choices over peak EWMA latency (the default).</summary>
    [JsonStringEnumMemberName("P2C_EWMA")]
    P2cEwma,

    /// <summary>Round robin.</summary>
    [JsonStringEnumMemberName("ROUND_ROBIN")]
    RoundRobin,

    /// <summary>Uniformly random.</summary>
    [JsonStringEnumMemberName("RANDOM")]
    Random,

    /// <summary>Power of two choices over outstanding requests.</summary>
    [JsonStringEnumMemberName("LEAST_REQUEST")]
    LeastRequest,
}
