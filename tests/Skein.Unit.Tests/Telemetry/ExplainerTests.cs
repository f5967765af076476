using Skein.Control.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

public sealed class ExplainerTests
{
    private const string DenyPolicy = """
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: no-web
          namespace: shop
        spec:
          selector:
            matchLabels:
              app: catalog
          action: DENY
          rules:
          - from:
            - source:
                principals: [cluster.local/ns/shop/sa/web]
        """;

    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static ObservedRecord Record(string direction, string flags = "-", string? details = null, string? hop = null, string? policy = null) => new()
    {
        Start = T0,
        Protocol = "tcp",
        Reporter = direction == "outbound" ? "node-a" : "node-b",
        Direction = direction,
        FromSkein = true,
        SourceWorkload = "web-1",
        SourceNamespace = "shop",
        DestinationService = "catalog.shop.svc.cluster.local",
        ResponseFlags = flags,
        Details = details,
        FailedHop = hop,
        Policy = policy,
    };

    private static IReadOnlyList<RecentRecords.Entry> Entries(params ObservedRecord[] records) =>
        records.Select(r => new RecentRecords.Entry(r, "workload:shop/web-1", "service:shop/catalog")).ToList();

    [Fact]
    public void A_deny_policy_is_named_with_its_hop_and_how_to_read_it()
    {
        var config = TestConfig.Store(TestConfig.Bookstore + "\n" + DenyPolicy).Current;
        var explanation = Explainer.ForPair("web-1", "catalog", Entries(
            Record("outbound", details: "the_destination_node_answered_401", hop: "destination-proxy/node-b"),
            Record("inbound", details: "rbac_access_denied_matched_policy[shop/no-web]", hop: "destination-proxy/node-b", policy: "shop/no-web"),
            Record("outbound")), config);

        Assert.Equal("failing", explanation.Verdict);
        Assert.Equal("destination-proxy/node-b", explanation.Hop);
        Assert.Equal("shop/no-web", explanation.Policy);
        Assert.Contains("AuthorizationPolicy shop/no-web (action DENY) matched and denied it", explanation.Summary);
        Assert.Contains("1 of the last 2 records failed", explanation.Summary);
        Assert.Contains(explanation.Checks, c => c.Contains("skein get AuthorizationPolicy no-web -n shop", StringComparison.Ordinal));
    }

    [Fact]
    public void An_allow_policy_that_matches_nobody_is_explained_as_such()
    {
        var config = TestConfig.Store(TestConfig.Bookstore).Current;
        var explanation = Explainer.ForPair("web-1", null, Entries(
            Record("inbound", details: "rbac_access_denied_matched_policy[none]", hop: "destination-proxy/node-b")), config);
        Assert.Contains("No ALLOW AuthorizationPolicy", explanation.Cause);
    }

    [Theory]
    [InlineData("UH", "has no healthy endpoint")]
    [InlineData("NR", "No route")]
    [InlineData("UF,URX", "Could not connect to catalog.shop.svc.cluster.local")]
    [InlineData("UO", "circuit")]
    [InlineData("UT", "timeout")]
    public void Response_flags_become_a_plain_cause(string flags, string expected)
    {
        var config = TestConfig.Store(TestConfig.Bookstore).Current;
        var explanation = Explainer.ForPair("web-1", "catalog", Entries(Record("outbound", flags, hop: "source-proxy/node-a")), config);
        Assert.Contains(expected, explanation.Cause, StringComparison.Ordinal);
        Assert.Equal("source-proxy/node-a", explanation.Hop);
        Assert.NotEmpty(explanation.Checks);
    }

    [Fact]
    public void Unknown_request_ids_and_healthy_traffic_say_so()
    {
        var config = TestConfig.Store(TestConfig.Bookstore).Current;
        Assert.Equal("unknown", Explainer.ForRequest("nope", [], config).Verdict);
        var ok = Explainer.ForPair("web-1", "catalog", Entries(Record("outbound"), Record("outbound")), config);
        Assert.Equal("ok", ok.Verdict);
        Assert.Contains("all succeeded", ok.Summary);
    }

    [Fact]
    public void Recent_records_match_names_namespaced_names_and_ids()
    {
        Assert.True(RecentRecords.Matches("service:shop/catalog", null, "catalog"));
        Assert.True(RecentRecords.Matches("service:shop/catalog", null, "shop/catalog"));
        Assert.True(RecentRecords.Matches("service:shop/catalog", null, "service:shop/catalog"));
        Assert.True(RecentRecords.Matches("workload:shop/catalog-1", "catalog-1", "catalog-1"));
        Assert.False(RecentRecords.Matches("service:shop/catalog", null, "payments"));
    }
}
