using System.Collections.Concurrent;
using System.Diagnostics;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.LoadBalancing;

/// <summary>Power of two choices over a peak-sensitive latency EWMA (Finagle/Linkerd style).</summary>
/// <remarks>
/// Each endpoint's cost is its decayed peak latency times (outstanding + 1), so a slow or busy endpoint
/// loses the comparison quickly and recovers as its estimate decays. Connect failures count as a large
/// latency sample, steering new connections away from a failing endpoint without a separate health check.
/// </remarks>
public sealed class PeakEwmaBalancer
{
    private static readonly double DecayTicks = Stopwatch.Frequency * 10.0; // 10 s time constant
    private static readonly double FailurePenaltyMs = 1000;
    private readonly ConcurrentDictionary<string, EndpointLoad> _loads = new(StringComparer.Ordinal);

    /// <summary>Power of two choices over peak EWMA latency × outstanding work (callers have already removed what they exclude).</summary>
    public UpstreamEndpoint Pick(IReadOnlyList<UpstreamEndpoint> candidates)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var (a, b) = TwoDistinct(candidates.Count);
        return Cost(candidates[a]) <= Cost(candidates[b]) ? candidates[a] : candidates[b];
    }

    /// <summary>Power of two choices over outstanding connections or requests alone (Envoy's least request).</summary>
    public UpstreamEndpoint PickLeastOutstanding(IReadOnlyList<UpstreamEndpoint> candidates)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var (a, b) = TwoDistinct(candidates.Count);
        return Volatile.Read(ref Load(candidates[a]).Outstanding) <= Volatile.Read(ref Load(candidates[b]).Outstanding) ? candidates[a] : candidates[b];
    }

    /// <summary>Two different indexes below <paramref name="count"/> (at least 2), uniformly.</summary>
    private static (int A, int B) TwoDistinct(int count)
    {
        var a = Random.Shared.Next(count);
        var b = Random.Shared.Next(count - 1);
        return (a, b >= a ? b + 1 : b);
    }

    public void Begin(UpstreamEndpoint endpoint) => Interlocked.Increment(ref Load(endpoint).Outstanding);

    public void End(UpstreamEndpoint endpoint) => Interlocked.Decrement(ref Load(endpoint).Outstanding);

    public void Observe(UpstreamEndpoint endpoint, TimeSpan latency) => Load(endpoint).Observe(latency.TotalMilliseconds);

    public void Failed(UpstreamEndpoint endpoint) => Load(endpoint).Observe(FailurePenaltyMs);

    private double Cost(UpstreamEndpoint endpoint)
    {
        var load = Load(endpoint);
        // A floor keeps outstanding work meaningful for endpoints not measured yet.
        return Math.Max(load.Estimate(), 0.1) * (Volatile.Read(ref load.Outstanding) + 1);
    }

    private EndpointLoad Load(UpstreamEndpoint endpoint) => _loads.GetOrAdd(endpoint.Key, static _ => new EndpointLoad());

    private sealed class EndpointLoad
    {
        public int Outstanding;
        private readonly Lock _gate = new();
        private double _ewmaMs;
        private long _stamp = Stopwatch.GetTimestamp();

        public void Observe(double sampleMs)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                var weight = Math.Exp(-(now - _stamp) / DecayTicks);
                _stamp = now;
                // Peak sensitivity: a sample above the estimate replaces it outright.
                _ewmaMs = sampleMs > _ewmaMs ? sampleMs : (_ewmaMs * weight) + (sampleMs * (1 - weight));
            }
        }

        public double Estimate()
        {
            lock (_gate)
            {
                var weight = Math.Exp(-(Stopwatch.GetTimestamp() - _stamp) / DecayTicks);
                return _ewmaMs * weight;
            }
        }
    }
}
