using Skein.Core.Identity;

namespace Skein.Unit.Tests.Identity;

public sealed class SpiffeIdTests
{
    // Prefix + trust domain + "/" leaves this many path characters in a 2048-byte ID.
    private static readonly string MaxLengthId = "spiffe://example.org/" + new string('a', 2048 - "spiffe://example.org/".Length);
    private static readonly string MaxTrustDomain = new string('a', 251) + ".org";

    public static TheoryData<string, string, string> ValidIds => new()
    {
        { "spiffe://example.org", "example.org", "" },
        { "spiffe://example.org/workload", "example.org", "/workload" },
        { "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", "cluster.local", "/ns/default/sa/bookinfo-productpage" },
        { "spiffe://td-with_under.score.1/Path.With-MIXED_case/09", "td-with_under.score.1", "/Path.With-MIXED_case/09" },
        { "spiffe://10.0.0.1/x", "10.0.0.1", "/x" },
        { "spiffe://example.org/.../..a/.b./a..b", "example.org", "/.../..a/.b./a..b" },
        { "spiffe://9eebccd2/9eebccd2-12bf-40a6-b262-65fe0487d453", "9eebccd2", "/9eebccd2-12bf-40a6-b262-65fe0487d453" },
        { MaxLengthId, "example.org", MaxLengthId["spiffe://example.org".Length..] },
        { $"spiffe://{MaxTrustDomain}/a", MaxTrustDomain, "/a" },
    };

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Valid_ids_parse_into_trust_domain_and_path_and_round_trip(string text, string trustDomain, string path)
    {
        Assert.True(SpiffeId.TryParse(text, out var id, out var error), error);
        Assert.Equal(string.Empty, error);
        Assert.Equal(trustDomain, id.TrustDomain);
        Assert.Equal(path, id.Path);
        Assert.Equal(text, id.ToString());
        Assert.Equal(id, SpiffeId.Parse(text));
    }

    /// <summary>One row per rejection rule: input, and a phrase only that rule's message contains.</summary>
    public static TheoryData<string, string> InvalidIds => new()
    {
        { "", "is empty" },
        { "example.org/workload", "has no scheme" },
        { "/workload", "has no scheme" },
        { "https://example.org/workload", "scheme must be 'spiffe'" },
        { "spiffes://example.org/workload", "scheme must be 'spiffe'" },
        { "SPIFFE://example.org/workload", "scheme must be lowercase" },
        { "Spiffe://example.org", "scheme must be lowercase" },
        { "spiffe:example.org/workload", "followed by '//'" },
        { "spiffe:/example.org", "followed by '//'" },
        { "spiffe://", "trust domain is empty" },
        { "spiffe:///workload", "trust domain is empty" },
        { "spiffe://Example.org/workload", "trust domain must be lowercase (found 'E')" },
        { "spiffe://example.org:8443/workload", "must not contain a port" },
        { "spiffe://example.org:/workload", "must not contain a port" },
        { "spiffe://user@example.org/workload", "must not contain userinfo" },
        { "spiffe://exa mple.org", "trust domain contains invalid character ' '" },
        { "spiffe://exa+mple.org", "trust domain contains invalid character '+'" },
        { "spiffe://[::1]/workload", "trust domain must not contain a port" },
        { "spiffe://exampl\u00e9.org", "trust domain contains invalid character U+00E9" },
        { "spiffe://example%2eorg/workload", "trust domain must not contain percent-encoded" },
        { "spiffe://example.org/workload?x=1", "must not contain a query" },
        { "spiffe://example.org?x=1", "must not contain a query" },
        { "spiffe://example.org/workload#frag", "must not contain a fragment" },
        { "spiffe://example.org/", "must not end with '/'" },
        { "spiffe://example.org/workload/", "must not end with '/'" },
        { "spiffe://example.org//workload", "empty segments" },
        { "spiffe://example.org/a//b", "empty segments" },
        { "spiffe://example.org/./workload", "must not contain '.' segments" },
        { "spiffe://example.org/a/.", "must not contain '.' segments" },
        { "spiffe://example.org/a/../b", "must not contain '..' segments" },
        { "spiffe://example.org/..", "must not contain '..' segments" },
        { "spiffe://example.org/a%20b", "path must not contain percent-encoded" },
        { "spiffe://example.org/a b", "path contains invalid character ' '" },
        { "spiffe://example.org/a:b", "path contains invalid character ':'" },
        { "spiffe://example.org/a@b", "path contains invalid character '@'" },
        { "spiffe://example.org/a+b", "path contains invalid character '+'" },
        { "spiffe://example.org/\u00fcber", "path contains invalid character U+00FC" },
        { "spiffe://example.org/a\nb", "path contains invalid character U+000A" },
        { MaxLengthId + "a", "2049 bytes long; the maximum is 2048" },
        { $"spiffe://a{MaxTrustDomain}/a", "256 bytes long; the maximum is 255" },
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void Invalid_ids_are_rejected_with_the_rule_they_break(string text, string reason)
    {
        Assert.False(SpiffeId.TryParse(text, out var id, out var error));
        Assert.Equal(default, id);
        Assert.Contains(reason, error, StringComparison.Ordinal);

        var ex = Assert.Throws<FormatException>(() => SpiffeId.Parse(text));
        Assert.Equal(error, ex.Message);
    }

    [Fact]
    public void Every_rule_has_its_own_message()
    {
        // One input per rule; the messages must all differ so operators can tell the rules apart.
        string[] oneOfEach =
        [
            "", "example.org", "https://example.org", "SPIFFE://example.org", "spiffe:example.org",
            "spiffe://", "spiffe://Example.org", "spiffe://example.org:1", "spiffe://u@example.org",
            "spiffe://exa+mple.org", "spiffe://a%2e", "spiffe://example.org?q", "spiffe://example.org#f",
            "spiffe://example.org/", "spiffe://example.org//a", "spiffe://example.org/.", "spiffe://example.org/..",
            "spiffe://example.org/%41", "spiffe://example.org/a+b", MaxLengthId + "a", $"spiffe://a{MaxTrustDomain}",
        ];

        var messages = oneOfEach.Select(text =>
        {
            Assert.False(SpiffeId.TryParse(text, out _, out var error));
            Assert.False(string.IsNullOrWhiteSpace(error));
            return error;
        }).ToList();

        Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Null_is_rejected_as_empty()
    {
        Assert.False(SpiffeId.TryParse(null, out _, out var error));
        Assert.Contains("is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_is_exact_and_path_case_matters()
    {
        Assert.Equal(SpiffeId.Parse("spiffe://example.org/Web"), SpiffeId.Parse("spiffe://example.org/Web"));
        Assert.NotEqual(SpiffeId.Parse("spiffe://example.org/Web"), SpiffeId.Parse("spiffe://example.org/web"));
        Assert.NotEqual(SpiffeId.Parse("spiffe://example.org/web"), SpiffeId.Parse("spiffe://example.com/web"));
    }

    [Fact]
    public void Default_id_is_empty()
    {
        var id = default(SpiffeId);
        Assert.Equal(string.Empty, id.TrustDomain);
        Assert.Equal(string.Empty, id.Path);
        Assert.Equal(string.Empty, id.ToString());
        Assert.False(id.TryGetWorkload(out _, out _));
    }

    [Fact]
    public void ForWorkload_builds_the_istio_form_and_TryGetWorkload_reads_it_back()
    {
        var id = SpiffeId.ForWorkload("cluster.local", "shop", "web-frontend");

        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web-frontend", id.ToString());
        Assert.Equal("cluster.local", id.TrustDomain);
        Assert.True(id.TryGetWorkload(out var ns, out var sa));
        Assert.Equal("shop", ns);
        Assert.Equal("web-frontend", sa);
    }

    [Theory]
    [InlineData("Cluster.local", "shop", "web")]
    [InlineData("cluster.local:80", "shop", "web")]
    [InlineData("cluster.local", "sh op", "web")]
    [InlineData("cluster.local", "..", "web")]
    [InlineData("cluster.local", "shop", "a/sa/b")]
    [InlineData("cluster.local", "a/sa/b", "web")]
    [InlineData("", "shop", "web")]
    [InlineData("cluster.local", "", "web")]
    [InlineData("cluster.local", "shop", "")]
    public void ForWorkload_rejects_parts_that_would_not_name_exactly_that_workload(string trustDomain, string ns, string sa)
    {
        Assert.ThrowsAny<ArgumentException>(() => SpiffeId.ForWorkload(trustDomain, ns, sa));
    }

    [Theory]
    [InlineData("spiffe://cluster.local")]
    [InlineData("spiffe://cluster.local/ns/shop")]
    [InlineData("spiffe://cluster.local/ns/shop/sa")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/web/extra")]
    [InlineData("spiffe://cluster.local/sa/web/ns/shop")]
    [InlineData("spiffe://cluster.local/NS/shop/SA/web")]
    [InlineData("spiffe://cluster.local/x/ns/shop/sa/web")]
    public void TryGetWorkload_is_false_for_other_path_shapes(string text)
    {
        Assert.False(SpiffeId.Parse(text).TryGetWorkload(out var ns, out var sa));
        Assert.Equal(string.Empty, ns);
        Assert.Equal(string.Empty, sa);
    }
}
