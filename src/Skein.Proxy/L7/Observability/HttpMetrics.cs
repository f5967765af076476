using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Skein.Proxy.L7.Observability;

/// <summary>Istio's standard HTTP metrics (<c>istio_requests_total</c>, <c>istio_request_duration_milliseconds</c>) for gateway and waypoint proxies.</summary>
public sealed class HttpMetrics
{
    /// <summary>Istio's default duration buckets (milliseconds), so existing dashboards' quantiles read the same.</summary>
    private static readonly double[] Buckets = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

    private readonly ConcurrentDictionary<HttpLabels, Series> _series = new();

    public void Record(HttpLabels labels, TimeSpan duration) => _series.GetOrAdd(labels, static _ => new Series()).Observe(duration.TotalMilliseconds);

    public string Render()
    {
        var all = _series.Select(p => (Labels: p.Key.Render(), Series: p.Value)).OrderBy(p => p.Labels, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.Append("# HELP istio_requests_total Requests handled by this proxy.\n# TYPE istio_requests_total counter\n");
        foreach (var (labels, series) in all)
        {
            sb.Append("istio_requests_total{").Append(labels).Append("} ").Append(series.Count).Append('\n');
        }

        sb.Append("# HELP istio_request_duration_milliseconds Request duration.\n# TYPE istio_request_duration_milliseconds histogram\n");
        foreach (var (labels, series) in all)
        {
            var (counts, sum, count) = series.Snapshot();
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += counts[i];
                sb.Append("istio_request_duration_milliseconds_bucket{").Append(labels).Append(",le=\"")
                    .Append(Buckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
            }

            sb.Append("istio_request_duration_milliseconds_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(count).Append('\n');
            sb.Append("istio_request_duration_milliseconds_sum{").Append(labels).Append("} ").Append(sum.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("istio_request_duration_milliseconds_count{").Append(labels).Append("} ").Append(count).Append('\n');
        }

        return sb.ToString();
    }

    private sealed class Series
    {
        private readonly Lock _gate = new();
        private readonly long[] _counts = new long[Buckets.Length];
        private double _sum;
        private long _count;

        public long Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public void Observe(double ms)
        {
            var bucket = -1;
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (ms <= Buckets[i])
                {
                    bucket = i;
                    break;
                }
            }

            lock (_gate)
            {
                if (bucket >= 0)
                {
                    _counts[bucket]++;
                }

                _sum += ms;
                _count++;
            }
        }

        public (long[] Counts, double Sum, long Count) Snapshot()
        {
            lock (_gate)
            {
                return ((long[])_counts.Clone(), _sum, _count);
            }
        }
    }
}
