namespace Skein.Control.Telemetry;

/// <summary>A log-bucketed latency histogram: constant relative error, mergeable by adding counts.</summary>
/// <remarks>
/// Written here rather than taken from a package: HdrHistogram's .NET port has had no release since 2018 and
/// allocates a large fixed array per instance (the topology holds one per 10 s bucket per edge), and no
/// maintained DDSketch exists for .NET. Bucket i covers (Min·γ^(i-1), Min·γ^i] with γ = 2^(1/8), so a
/// quantile read at the bucket's geometric middle is within ±4.4 % of the true value; everything below
/// <see cref="MinMs"/> lands in bucket 0 and everything above the last bucket in the last one.
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>The smallest distinguished latency (10 µs).</summary>
    public const double MinMs = 0.01;

    /// <summary>Sub-buckets per doubling.</summary>
    private const int PerDoubling = 8;

    /// <summary>Buckets: 2^28 × 10 µs ≈ 45 minutes at the top.</summary>
    public const int BucketCount = 28 * PerDoubling + 1;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Total recorded values.</summary>
    public long Count { get; private set; }

    public void Record(double milliseconds, long count = 1)
    {
        _counts[IndexOf(milliseconds)] += count;
        Count += count;
    }

    /// <summary>Adds another histogram's counts into this one.</summary>
    public void Merge(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), or null when empty.</summary>
    public double? Quantile(double q)
    {
        if (Count == 0)
        {
            return null;
        }

        // The rank of the q-quantile, 1-based, as the nearest-rank method defines it.
        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Representative(i);
            }
        }

        return Representative(BucketCount - 1);
    }

    public static int IndexOf(double milliseconds)
    {
        if (!(milliseconds > MinMs))
        {
            return 0;
        }

        var index = (int)Math.Ceiling(Math.Log2(milliseconds / MinMs) * PerDoubling);
        return Math.Clamp(index, 0, BucketCount - 1);
    }

    /// <summary>The geometric middle of bucket <paramref name="index"/> (its upper bound for bucket 0).</summary>
    private static double Representative(int index) =>
        index == 0 ? MinMs : MinMs * Math.Pow(2, (index - 0.5) / PerDoubling);
}
