using System.Net;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;

namespace Skein.Unit.Tests;

public sealed class PeakEwmaBalancerTests
{
    private static readonly UpstreamEndpoint A = new(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 80), null);
    private static readonly UpstreamEndpoint B = new(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 80), null);

    [Fact]
    public void With_two_endpoints_a_failing_one_loses_every_comparison()
    {
        var balancer = new PeakEwmaBalancer();
        balancer.Observe(B, TimeSpan.FromMilliseconds(1));
        balancer.Failed(A);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(B, balancer.Pick([A, B]));
        }
    }

    [Fact]
    public void Outstanding_connections_raise_an_endpoints_cost()
    {
        var balancer = new PeakEwmaBalancer();
        balancer.Observe(A, TimeSpan.FromMilliseconds(2));
        balancer.Observe(B, TimeSpan.FromMilliseconds(2));
        for (var i = 0; i < 5; i++)
        {
            balancer.Begin(A);
        }

        Assert.Equal(B, balancer.Pick([A, B]));
        for (var i = 0; i < 5; i++)
        {
            balancer.End(A);
            balancer.Begin(B);
            balancer.Begin(B);
        }

        Assert.Equal(A, balancer.Pick([A, B]));
    }

    [Fact]
    public void Excluded_endpoints_are_skipped_unless_nothing_else_is_left()
    {
        // Exclusion is the endpoint picker's, in front of the balancer.
        var picker = new EndpointPicker(new PeakEwmaBalancer());
        Assert.Equal(B, picker.Pick(null, [A, B], null, new HashSet<string> { A.Key }));
        Assert.Equal(A, picker.Pick(null, [A], null, new HashSet<string> { A.Key }));
    }
}
