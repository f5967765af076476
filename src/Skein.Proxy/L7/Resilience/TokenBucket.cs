namespace Skein.Proxy.L7.Resilience;

/// <summary>A token bucket: <c>rate</c> tokens a second up to <c>burst</c>; a request takes one or is refused.</summary>
/// <remarks>
/// Own rather than System.Threading.RateLimiting's TokenBucketRateLimiter, whose replenishment runs on a
/// timer or on explicit calls; this one refills from the elapsed time on each take, with an injectable clock.
/// </remarks>
public sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _stamp;

    public TokenBucket(double requestsPerSecond, double burst, TimeProvider time)
    {
        _rate = requestsPerSecond;
        _burst = Math.Max(1, burst);
        _time = time;
        _tokens = _burst;
        _stamp = time.GetTimestamp();
    }

    /// <summary>Takes a token if one is there.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_stamp, now).TotalSeconds * _rate));
            _stamp = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
