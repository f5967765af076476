using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Routing;

namespace Skein.Unit.Tests.L7;

public sealed class RouteTableTests
{
    private static HttpRoute Route(string name, string? prefix = null, string? exact = null, string? regex = null, string[]? hosts = null,
        (string Name, string Value)[]? headers = null, (string Name, string Value)[]? query = null, string method = "", uint port = 0)
    {
        var match = new HttpMatch { Method = method, Port = port };
        if (prefix is not null)
        {
            match.Path = new StringMatch { Kind = StringMatch.Types.Kind.Prefix, Value = prefix };
        }
        else if (exact is not null)
        {
            match.Path = new StringMatch { Kind = StringMatch.Types.Kind.Exact, Value = exact };
        }
        else if (regex is not null)
        {
            match.Path = new StringMatch { Kind = StringMatch.Types.Kind.RegularExpression, Value = regex };
        }

        foreach (var (n, v) in headers ?? [])
        {
            match.Headers.Add(new HeaderMatch { Name = n, Value = new StringMatch { Kind = StringMatch.Types.Kind.Exact, Value = v } });
        }

        foreach (var (n, v) in query ?? [])
        {
            match.QueryParams.Add(new HeaderMatch { Name = n, Value = new StringMatch { Kind = StringMatch.Types.Kind.Exact, Value = v } });
        }

        var route = new HttpRoute { Route = $"default/{name}", Kind = "HTTPRoute", Match = match };
        route.Hostnames.Add(hosts ?? []);
        return route;
    }

    private static HttpRequest Request(string path, string method = "GET", string? query = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        foreach (var (n, v) in headers)
        {
            context.Request.Headers[n] = v;
        }

        return context.Request;
    }

    private static string? Match(RouteTable table, string host, HttpRequest request, int port = 80) =>
        table.Match(request, host, port)?.Proto.Route;

    [Theory]
    [InlineData("/foo", true)]
    [InlineData("/foo/", true)]
    [InlineData("/foo/bar", true)]
    [InlineData("/foobar", false)]
    [InlineData("/fo", false)]
    public void Prefix_matches_on_segment_boundaries_with_or_without_trailing_slash(string path, bool expected)
    {
        Assert.Equal(expected, new PathMatcher(new StringMatch { Kind = StringMatch.Types.Kind.Prefix, Value = "/foo" }).Matches(path));
        Assert.Equal(expected, new PathMatcher(new StringMatch { Kind = StringMatch.Types.Kind.Prefix, Value = "/foo/" }).Matches(path));
    }

    [Fact]
    public void Regex_matches_the_whole_path_only()
    {
        var matcher = new PathMatcher(new StringMatch { Kind = StringMatch.Types.Kind.RegularExpression, Value = "/v[0-9]+/items" });
        Assert.True(matcher.Matches("/v12/items"));
        Assert.False(matcher.Matches("/v12/items/3"));
        Assert.False(matcher.Matches("/api/v1/items"));
    }

    [Fact]
    public void Exact_hostname_beats_wildcard_beats_any_even_when_listed_later()
    {
        var table = new RouteTable([
            Route("any", prefix: "/"),
            Route("wild", prefix: "/", hosts: ["*.example.com"]),
            Route("longer-wild", prefix: "/", hosts: ["*.foo.example.com"]),
            Route("exact", prefix: "/", hosts: ["bar.foo.example.com"]),
        ]);
        Assert.Equal("default/exact", Match(table, "bar.foo.example.com", Request("/")));
        Assert.Equal("default/longer-wild", Match(table, "baz.foo.example.com", Request("/")));
        Assert.Equal("default/wild", Match(table, "a.example.com", Request("/")));
        Assert.Equal("default/any", Match(table, "example.com", Request("/")), StringComparer.Ordinal);
        Assert.Equal("default/any", Match(table, "other.net", Request("/")));
    }

    [Fact]
    public void The_most_specific_hostname_group_decides_even_when_none_of_its_matches_hold()
    {
        var table = new RouteTable([Route("exact", prefix: "/a", hosts: ["a.example.com"]), Route("wild", prefix: "/b", hosts: ["*.example.com"])]);
        Assert.Null(Match(table, "a.example.com", Request("/b")));
        Assert.Equal("default/wild", Match(table, "c.example.com", Request("/b")));
    }

    [Fact]
    public void Within_a_group_the_first_entry_in_precedence_order_whose_match_holds_wins()
    {
        var table = new RouteTable([
            Route("exact", exact: "/items"),
            Route("header", prefix: "/items", headers: [("version", "two")]),
            Route("post", prefix: "/items", method: "POST"),
            Route("query", prefix: "/", query: [("mode", "fast")]),
            Route("catch-all", prefix: "/"),
        ]);
        Assert.Equal("default/exact", Match(table, "h", Request("/items", headers: ("VERSION", "two"))));
        Assert.Equal("default/header", Match(table, "h", Request("/items/1", headers: ("Version", "two"))));
        Assert.Equal("default/post", Match(table, "h", Request("/items/1", "POST")));
        Assert.Equal("default/query", Match(table, "h", Request("/x", query: "?mode=fast")));
        Assert.Equal("default/catch-all", Match(table, "h", Request("/x", query: "?Mode=fast")));
        Assert.Equal("default/catch-all", Match(table, "h", Request("/items/1", headers: ("version", "TWO"))));
    }

    [Fact]
    public void Port_match_compares_the_destination_port()
    {
        var table = new RouteTable([Route("p8080", prefix: "/", port: 8080), Route("rest", prefix: "/")]);
        Assert.Equal("default/p8080", Match(table, "h", Request("/"), 8080));
        Assert.Equal("default/rest", Match(table, "h", Request("/"), 80));
    }

    [Theory]
    [InlineData("Foo.Example.COM:8080", "foo.example.com")]
    [InlineData("foo.example.com.", "foo.example.com")]
    [InlineData("[::1]:80", "[::1]")]
    [InlineData("", "")]
    public void Hosts_are_normalized_before_matching(string raw, string expected) => Assert.Equal(expected, HostnameMatcher.Normalize(raw));

    [Fact]
    public void A_wildcard_never_matches_its_own_apex()
    {
        Assert.Equal(HostnameMatcher.NoMatch, HostnameMatcher.Score("*.example.com", "example.com"));
        Assert.True(HostnameMatcher.Score("*.example.com", "a.b.example.com") > 0);
    }
}
