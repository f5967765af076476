namespace Skein.Proxy.L7.Resilience;

/// <summary>Delay before retry N: exponential from the route's base (Envoy's 25 ms by default), capped at 10× the base, with full jitter.</summary>
public static class RetryBackoff
{
    private static readonly TimeSpan DefaultBase = TimeSpan.FromMilliseconds(25);

    public static TimeSpan For(int retry, TimeSpan? configured)
    {
        var baseDelay = configured is { } c && c > TimeSpan.Zero ? c : DefaultBase;
        var ceiling = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)), baseDelay.TotalMilliseconds * 10);
        return TimeSpan.FromMilliseconds(Math.Max(1, Random.Shared.NextDouble() * ceiling));
    }
}
