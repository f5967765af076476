using Skein.Control.Gateway;

namespace Skein.Unit.Tests.Gateway;

public sealed class HostnameIntersectionTests
{
    [Theory]
    [InlineData("*.example.com", "foo.example.com", true)]
    [InlineData("*.example.com", "foo.bar.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "*.foo.example.com", true)]
    [InlineData("*.foo.example.com", "*.example.com", false)]
    [InlineData("foo.example.com", "FOO.example.com", true)]
    [InlineData("foo.example.com", "bar.example.com", false)]
    [InlineData("*.example.com", "fooexample.com", false)]
    public void Wildcards_match_one_or_more_labels(string pattern, string host, bool expected) =>
        Assert.Equal(expected, HostnameIntersection.Matches(pattern, host));

    [Fact]
    public void A_listener_without_hostname_keeps_the_routes_hostnames()
    {
        Assert.Equal(["a.example.com"], HostnameIntersection.Intersect(null, ["a.example.com"])!);
        Assert.Empty(HostnameIntersection.Intersect(null, [])!);
    }

    [Fact]
    public void A_route_without_hostnames_takes_the_listeners() =>
        Assert.Equal(["*.example.com"], HostnameIntersection.Intersect("*.example.com", [])!);

    [Fact]
    public void The_narrower_side_of_each_pair_is_kept_and_non_matching_names_dropped()
    {
        var result = HostnameIntersection.Intersect("*.example.com", ["a.example.com", "*.example.com", "*", "other.org", "*.b.example.com"]);
        Assert.Equal(["a.example.com", "*.example.com", "*.b.example.com"], result!);

        Assert.Equal(["very.specific.com"], HostnameIntersection.Intersect("very.specific.com", ["*.specific.com"])!);
    }

    [Fact]
    public void No_overlap_is_null() =>
        Assert.Null(HostnameIntersection.Intersect("foo.com", ["bar.com", "*.foo.com"]));
}
