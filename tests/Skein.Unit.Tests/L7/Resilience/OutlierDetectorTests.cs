using Google.Protobuf.WellKnownTypes;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Resilience;

namespace Skein.Unit.Tests.L7.Resilience;

public sealed class OutlierDetectorTests
{
    private readonly ManualTime _time = new();

    private OutlierDetector Detector(uint fivexx = 3, uint gateway = 0, uint maxPercent = 50, int baseSeconds = 30, int intervalSeconds = 10) => new(new ResilienceOutlierDetection
    {
        Consecutive5XxErrors = fivexx,
        ConsecutiveGatewayErrors = gateway,
        MaxEjectionPercent = maxPercent,
        BaseEjectionTime = Duration.FromTimeSpan(TimeSpan.FromSeconds(baseSeconds)),
        Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(intervalSeconds)),
    }, _time);

    [Fact]
    public void Consecutive_5xx_eject_and_a_success_in_between_resets_the_count()
    {
        var detector = Detector(fivexx: 3);
        Assert.Null(detector.Report("a", 4, 500));
        Assert.Null(detector.Report("a", 4, 503));
        Assert.Null(detector.Report("a", 4, 200));
        Assert.Null(detector.Report("a", 4, 500));
        Assert.Null(detector.Report("a", 4, 502));
        Assert.False(detector.IsEjected("a"));
        Assert.Equal(TimeSpan.FromSeconds(30), detector.Report("a", 4, 0)); // a connect failure counts as a 5xx
        Assert.True(detector.IsEjected("a"));
        Assert.False(detector.IsEjected("b"));
    }

    [Fact]
    public void Gateway_errors_count_only_502_503_504_and_local_failures()
    {
        var detector = Detector(fivexx: 0, gateway: 2);
        Assert.Null(detector.Report("a", 2, 500));
        Assert.Null(detector.Report("a", 2, 500));
        Assert.False(detector.IsEjected("a"));
        Assert.Null(detector.Report("a", 2, 504));
        Assert.Null(detector.Report("a", 2, 500)); // a 500 breaks the run of gateway errors
        Assert.Null(detector.Report("a", 2, 503));
        Assert.NotNull(detector.Report("a", 2, 0));
        Assert.True(detector.IsEjected("a"));
    }

    [Fact]
    public void Ejection_time_grows_with_each_ejection_and_the_endpoint_returns_after_it()
    {
        var detector = Detector(fivexx: 1, baseSeconds: 30, intervalSeconds: 3600);
        Assert.Equal(TimeSpan.FromSeconds(30), detector.Report("a", 2, 503));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(detector.IsEjected("a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(detector.IsEjected("a"));
        Assert.Equal(["a", "b"], detector.Healthy(["a", "b"], e => e));

        Assert.Equal(TimeSpan.FromSeconds(60), detector.Report("a", 2, 503));
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromSeconds(90), detector.Report("a", 2, 503));
        Assert.Equal(3, detector.EjectionsOf("a"));
    }

    [Fact]
    public void Time_back_in_service_earns_back_ejections_one_per_interval()
    {
        var detector = Detector(fivexx: 1, baseSeconds: 30, intervalSeconds: 10);
        detector.Report("a", 2, 503);
        _time.Advance(TimeSpan.FromSeconds(30));
        detector.Report("a", 2, 503);
        Assert.Equal(2, detector.EjectionsOf("a"));
        _time.Advance(TimeSpan.FromSeconds(60 + 15)); // back for 15 s: one interval earned
        Assert.Equal(TimeSpan.FromSeconds(60), detector.Report("a", 2, 503));
    }

    [Fact]
    public void No_more_than_the_maximum_share_is_ejected_but_at_least_one()
    {
        var detector = Detector(fivexx: 1, maxPercent: 50);
        Assert.NotNull(detector.Report("a", 4, 503));
        Assert.NotNull(detector.Report("b", 4, 503));
        Assert.Null(detector.Report("c", 4, 503));
        Assert.False(detector.IsEjected("c"));

        var small = Detector(fivexx: 1, maxPercent: 10);
        Assert.NotNull(small.Report("a", 3, 503)); // 10 % of 3 rounds to 0: one is still allowed
        Assert.Null(small.Report("b", 3, 503));

        var none = Detector(fivexx: 1, maxPercent: 0);
        Assert.Null(none.Report("a", 3, 503));
    }

    [Fact]
    public void Ejected_endpoints_are_skipped_unless_all_are()
    {
        var detector = Detector(fivexx: 1, maxPercent: 100);
        detector.Report("a", 2, 503);
        Assert.Equal(["b"], detector.Healthy(["a", "b"], e => e));
        detector.Report("b", 2, 503);
        Assert.Equal(["a", "b"], detector.Healthy(["a", "b"], e => e));
    }
}
