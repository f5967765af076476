using Skein.Control.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Quantiles_are_within_the_buckets_relative_error()
    {
        var h = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            h.Record(ms);
        }

        Assert.InRange(h.Quantile(0.50)!.Value, 500 * 0.955, 500 * 1.045);
        Assert.InRange(h.Quantile(0.95)!.Value, 950 * 0.955, 950 * 1.045);
        Assert.InRange(h.Quantile(0.99)!.Value, 990 * 0.955, 990 * 1.045);
    }

    [Fact]
    public void Merging_two_histograms_equals_recording_everything_in_one()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 500; i++)
        {
            a.Record(0.2 + i * 0.01);
            b.Record(50 + i);
            all.Record(0.2 + i * 0.01);
            all.Record(50 + i);
        }

        a.Merge(b);
        Assert.Equal(1000, a.Count);
        foreach (var q in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            Assert.Equal(all.Quantile(q), a.Quantile(q));
        }

        // Half the values are below 5.2 ms and half above 50 ms: the median falls on the low side, p90 on the high side.
        Assert.True(a.Quantile(0.5) < 6);
        Assert.True(a.Quantile(0.9) > 45);
    }

    [Fact]
    public void Empty_has_no_quantile_and_extremes_are_clamped()
    {
        var h = new LatencyHistogram();
        Assert.Null(h.Quantile(0.5));
        h.Record(0);
        h.Record(1e12);
        Assert.Equal(LatencyHistogram.MinMs, h.Quantile(0.5));
        Assert.True(h.Quantile(1) > 1e6);
    }
}
