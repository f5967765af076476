using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Filters;

namespace Skein.Unit.Tests.L7;

public sealed class FilterTests
{
    private static PathModifier Prefix(string value) => new() { Kind = PathModifier.Types.Kind.ReplacePrefixMatch, Value = value };

    // The Gateway API spec's ReplacePrefixMatch table.
    [Theory]
    [InlineData("/foo", "/foo/bar", "/xyz", "/xyz/bar")]
    [InlineData("/foo", "/foo/bar", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/", "/foo/bar", "/xyz", "/xyz/bar")]
    [InlineData("/foo/", "/foo/bar", "/xyz/", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo", "/foo/", "/xyz", "/xyz/")]
    [InlineData("/foo", "/foo/bar", "/", "/bar")]
    [InlineData("/foo", "/foo", "/", "/")]
    [InlineData("/foo/", "/foo", "/", "/")]
    [InlineData("/", "/foo", "/xyz", "/xyz/foo")]
    [InlineData("/", "/", "/xyz", "/xyz")]
    public void Replace_prefix_match_follows_the_spec(string prefix, string path, string replacement, string expected)
    {
        var normalized = prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
        Assert.Equal(expected, PathRewriter.Rewrite(Prefix(replacement), path, normalized));
    }

    [Fact]
    public void Replace_full_path_ignores_the_request_path() =>
        Assert.Equal("/one", PathRewriter.Rewrite(new PathModifier { Kind = PathModifier.Types.Kind.ReplaceFullPath, Value = "/one" }, "/a/b/c", "/a"));

    [Theory]
    [InlineData("https", "", 0u, "http", 8080, "https://example.com/p?q=1")]
    [InlineData("", "", 0u, "http", 8080, "http://example.com:8080/p?q=1")]
    [InlineData("", "", 0u, "http", 80, "http://example.com/p?q=1")]
    [InlineData("http", "", 0u, "https", 443, "http://example.com/p?q=1")]
    [InlineData("", "other.com", 8443u, "http", 80, "http://other.com:8443/p?q=1")]
    [InlineData("https", "", 443u, "http", 80, "https://example.com/p?q=1")]
    [InlineData("https", "", 8443u, "http", 80, "https://example.com:8443/p?q=1")]
    public void Redirect_location_follows_the_default_port_rules(string scheme, string host, uint port, string requestScheme, int listenerPort, string expected)
    {
        var (status, location) = RedirectBuilder.Build(new RequestRedirect { Scheme = scheme, Hostname = host, Port = port }, requestScheme, "example.com", "/p", "?q=1", listenerPort, null);
        Assert.Equal(302, status);
        Assert.Equal(expected, location);
    }

    [Fact]
    public void Redirect_rewrites_the_matched_prefix_and_keeps_the_status()
    {
        var (status, location) = RedirectBuilder.Build(new RequestRedirect { Path = Prefix("/new"), StatusCode = 301 }, "http", "h", "/old/x", "", 80, "/old");
        Assert.Equal((301, "http://h/new/x"), (status, location));
    }

    [Fact]
    public void Header_modifier_sets_adds_and_removes_case_insensitively()
    {
        var headers = new HeaderDictionary { ["X-Keep"] = "k", ["x-set"] = "old", ["X-Add"] = "a", ["X-Gone"] = "g" };
        var modifier = new HeaderModifier();
        modifier.Set.Add(new Header { Name = "X-SET", Value = "new" });
        modifier.Add.Add(new Header { Name = "x-add", Value = "b" });
        modifier.Remove.Add("x-GONE");
        HeaderModifierApplier.Apply(modifier, headers);
        Assert.Equal("new", headers["x-set"].ToString());
        Assert.Equal("a,b", headers["X-Add"].ToString());
        Assert.Single(headers["X-Add"]);
        Assert.False(headers.ContainsKey("X-Gone"));
        Assert.Equal("k", headers["X-Keep"].ToString());
    }

    [Fact]
    public void Header_modifier_on_the_proxied_message_handles_content_headers()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://x/") { Content = new StringContent("x") };
        message.Headers.TryAddWithoutValidation("X-A", "1");
        var modifier = new HeaderModifier();
        modifier.Set.Add(new Header { Name = "Content-Type", Value = "text/x" });
        modifier.Set.Add(new Header { Name = "x-a", Value = "2" });
        HeaderModifierApplier.Apply(modifier, message);
        Assert.Equal("text/x", message.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["2"], message.Headers.GetValues("X-A"));
    }

    [Theory]
    [InlineData("*", "https://a.com", true)]
    [InlineData("https://a.com", "https://A.com", true)]
    [InlineData("https://*.example.com", "https://x.example.com", true)]
    [InlineData("https://*.example.com", "https://example.com", false)]
    [InlineData("https://*.example.com", "http://x.example.com", false)]
    public void Cors_origins_match_exactly_or_by_wildcard(string pattern, string origin, bool expected) =>
        Assert.Equal(expected, CorsPolicy.OriginMatches(pattern, origin));

    [Fact]
    public void Cors_preflight_answers_with_the_allowed_methods_and_headers()
    {
        var cors = new Cors { MaxAgeSeconds = 60 };
        cors.AllowOrigins.Add("https://app.example.com");
        cors.AllowMethods.Add(["GET", "PUT"]);
        cors.AllowHeaders.Add("x-custom");
        var context = new DefaultHttpContext();
        context.Request.Method = "OPTIONS";
        context.Request.Headers.Origin = "https://app.example.com";
        context.Request.Headers.AccessControlRequestMethod = "PUT";
        Assert.True(CorsPolicy.IsPreflight(context.Request));
        new CorsPolicy(cors).AnswerPreflight(context);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("https://app.example.com", context.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal("GET, PUT", context.Response.Headers.AccessControlAllowMethods.ToString());
        Assert.Equal("x-custom", context.Response.Headers.AccessControlAllowHeaders.ToString());
        Assert.Equal("60", context.Response.Headers.AccessControlMaxAge.ToString());
    }
}
