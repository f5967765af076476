using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Resilience;

/// <summary>The live state enforcing one Service's TrafficPolicy in this proxy: pool limits, outlier detection, rate limit.</summary>
public sealed class ServiceResilience(string service, ResiliencePolicy policy, TimeProvider time)
{
    public string Service { get; } = service;

    public ResiliencePolicy Policy { get; } = policy;

    public ConnectionPoolLimiter? Pool { get; } = policy.ConnectionPool is { } pool ? new ConnectionPoolLimiter(pool) : null;

    public OutlierDetector? Outliers { get; } = policy.OutlierDetection is { } outliers ? new OutlierDetector(outliers, time) : null;

    public TokenBucket? RateLimit { get; } = policy.RateLimit is { RequestsPerSecond: > 0 } rate ? new TokenBucket(rate.RequestsPerSecond, rate.Burst, time) : null;
}
