using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Resilience;

/// <summary>Passive health of one Service's endpoints: ejects an endpoint after consecutive 5xx or gateway errors, for longer each time, within a maximum share.</summary>
/// <remarks>
/// Envoy's consecutive_5xx and consecutive_gateway_failure detectors, with locally originated failures
/// (connect failures, resets, per-try timeouts) counted as both. An ejection lasts base × the endpoint's
/// ejection count; each <c>interval</c> an endpoint spends back in service without being ejected again takes
/// one off that count. Endpoints return lazily: an ejection is over once its time has passed. Own code
/// because YARP's passive health checks work on its cluster/destination model, which Skein's routing does not use.
/// </remarks>
public sealed class OutlierDetector(ResilienceOutlierDetection settings, TimeProvider time)
{
    private static readonly TimeSpan MaxEjectionTime = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, EndpointHealth> _endpoints = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeSpan _base = Positive(settings.BaseEjectionTime?.ToTimeSpan()) ?? TimeSpan.FromSeconds(30);
    private readonly TimeSpan _interval = Positive(settings.Interval?.ToTimeSpan()) ?? TimeSpan.FromSeconds(10);

    /// <summary>Whether the endpoint is ejected now.</summary>
    public bool IsEjected(string endpoint)
    {
        lock (_gate)
        {
            return _endpoints.TryGetValue(endpoint, out var health) && health.EjectedUntil > time.GetUtcNow();
        }
    }

    /// <summary>The endpoints not ejected; every endpoint when all are (Envoy's panic routing: some traffic beats none).</summary>
    public IReadOnlyList<T> Healthy<T>(IReadOnlyList<T> endpoints, Func<T, string> key)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var healthy = endpoints.Where(e => !(_endpoints.TryGetValue(key(e), out var h) && h.EjectedUntil > now)).ToList();
            return healthy.Count > 0 ? healthy : endpoints;
        }
    }

    /// <summary>Records one try's result; returns the ejection time when this result ejected the endpoint.</summary>
    /// <param name="endpoint">The endpoint's key.</param>
    /// <param name="endpointCount">How many endpoints the Service has now (for the maximum share ejected).</param>
    /// <param name="status">The response status, or 0 for a locally originated failure (connect failure, reset, timeout).</param>
    public TimeSpan? Report(string endpoint, int endpointCount, int status)
    {
        var local = status == 0;
        var fivexx = local || status >= 500;
        var gateway = local || status is 502 or 503 or 504;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!_endpoints.TryGetValue(endpoint, out var health))
            {
                if (!fivexx)
                {
                    return null; // nothing to remember about a healthy endpoint
                }

                _endpoints[endpoint] = health = new EndpointHealth();
            }

            health.Consecutive5xx = fivexx ? health.Consecutive5xx + 1 : 0;
            health.ConsecutiveGateway = gateway ? health.ConsecutiveGateway + 1 : 0;
            if (health.EjectedUntil > now)
            {
                return null; // a try that was already under way when it was ejected
            }

            var tripped = (settings.Consecutive5XxErrors > 0 && health.Consecutive5xx >= settings.Consecutive5XxErrors)
                || (settings.ConsecutiveGatewayErrors > 0 && health.ConsecutiveGateway >= settings.ConsecutiveGatewayErrors);
            if (!tripped || !MayEject(endpointCount, now))
            {
                return null;
            }

            // Time healthy since the last return earns back one ejection per interval.
            if (health.Ejections > 0 && health.EjectedUntil != DateTimeOffset.MinValue)
            {
                var healthyFor = now - health.EjectedUntil;
                health.Ejections = Math.Max(0, health.Ejections - (int)(healthyFor.Ticks / _interval.Ticks));
            }

            health.Ejections++;
            var duration = TimeSpan.FromTicks(Math.Min(_base.Ticks * health.Ejections, Math.Max(MaxEjectionTime.Ticks, _base.Ticks)));
            health.EjectedUntil = now + duration;
            health.Consecutive5xx = 0;
            health.ConsecutiveGateway = 0;
            return duration;
        }
    }

    /// <summary>How many times the endpoint has been ejected (after decay), for tests and the admin view.</summary>
    public int EjectionsOf(string endpoint)
    {
        lock (_gate)
        {
            return _endpoints.TryGetValue(endpoint, out var health) ? health.Ejections : 0;
        }
    }

    private bool MayEject(int endpointCount, DateTimeOffset now)
    {
        if (settings.MaxEjectionPercent == 0)
        {
            return false;
        }

        var ejected = _endpoints.Values.Count(h => h.EjectedUntil > now);
        // Like Envoy, at least one endpoint may be ejected whatever the percentage (unless it is 0).
        var allowed = Math.Max(1, (int)Math.Floor(endpointCount * Math.Min(settings.MaxEjectionPercent, 100u) / 100.0));
        return ejected < allowed && ejected < endpointCount;
    }

    private static TimeSpan? Positive(TimeSpan? value) => value is { } v && v > TimeSpan.Zero ? v : null;

    private sealed class EndpointHealth
    {
        public int Consecutive5xx;
        public int ConsecutiveGateway;
        public int Ejections;
        public DateTimeOffset EjectedUntil = DateTimeOffset.MinValue;
    }
}
