using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Routing;

namespace Skein.Unit.Tests.L7;

public sealed class BackendPickerTests
{
    private static BackendEntry Backend(string service, uint weight) => new(new WeightedBackend { Backend = new BackendRef { Service = service, Port = 80 }, Weight = weight });

    [Fact]
    public void Picks_follow_the_weights_and_weight_zero_gets_nothing()
    {
        var backends = new[] { Backend("a", 70), Backend("b", 30), Backend("c", 0) };
        var random = new Random(42);
        var counts = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        const int N = 20000;
        for (var i = 0; i < N; i++)
        {
            counts[BackendPicker.Pick(backends, random)!.Ref.Service]++;
        }

        Assert.Equal(0, counts["c"]);
        Assert.InRange(counts["a"] / (double)N, 0.68, 0.72);
        Assert.InRange(counts["b"] / (double)N, 0.28, 0.32);
    }

    [Fact]
    public void No_positive_weight_means_no_backend() =>
        Assert.Null(BackendPicker.Pick([Backend("a", 0), Backend("b", 0)], new Random(1)));
}
