namespace Skein.Control.Xds;

/// <summary>A cumulative Prometheus histogram of config-change-to-push latency in seconds.</summary>
public sealed class PushLatency
{
    /// <summary>Upper bounds in seconds (Prometheus <c>le</c>), +Inf implied.</summary>
    public static readonly double[] Bounds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

    private readonly Lock _gate = new();
    private readonly long[] _buckets = new long[Bounds.Length];
    private long _count;
    private double _sum;

    public void Observe(double seconds)
    {
        lock (_gate)
        {
            for (var i = 0; i < Bounds.Length; i++)
            {
                if (seconds <= Bounds[i])
                {
                    _buckets[i]++;
                }
            }

            _count++;
            _sum += Math.Max(0, seconds);
        }
    }

    /// <summary>Cumulative counts per bound, the total count and the sum, read together.</summary>
    public (long[] Cumulative, long Count, double Sum) Read()
    {
        lock (_gate)
        {
            return ((long[])_buckets.Clone(), _count, _sum);
        }
    }
}
