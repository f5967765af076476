using Skein.Control;
using Skein.Control.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

public sealed class TopologyAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static (TopologyAggregator Topology, ManualTime Time) Create()
    {
        var time = new ManualTime(T0);
        var store = TestConfig.Store(TestConfig.Bookstore);
        return (new TopologyAggregator(store, new ControlPlaneOptions { ConfigDirectory = "." }, time), time);
    }

    private static ObservedRecord Outbound(DateTimeOffset at, double ms = 10, string flags = "-", string? hop = null) => new()
    {
        Start = at,
        Protocol = "tcp",
        Reporter = "node-a",
        Direction = "outbound",
        FromSkein = true,
        SourceWorkload = "web-1",
        SourceNamespace = "shop",
        DestinationService = "catalog.shop.svc.cluster.local",
        DestinationWorkload = "catalog-1",
        DestinationNamespace = "shop",
        Duration = TimeSpan.FromMilliseconds(ms),
        BytesSent = 100,
        BytesReceived = 1000,
        Security = "mutual_tls",
        ResponseFlags = flags,
        FailedHop = hop,
        Details = hop is null ? null : "connection_refused",
    };

    [Fact]
    public void An_edge_carries_rate_errors_latency_bytes_and_mtls()
    {
        var (topology, time) = Create();
        for (var i = 0; i < 9; i++)
        {
            topology.Add(Outbound(time.Now, ms: 10 + i));
        }

        topology.Add(Outbound(time.Now, flags: "UF", hop: "connect-to-destination") with { Duration = TimeSpan.Zero });
        time.Advance(TimeSpan.FromSeconds(50));

        var edge = Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges);
        Assert.Equal(("workload:shop/web-1", "service:shop/catalog", "tcp"), (edge.Source, edge.Target, edge.Protocol));
        Assert.Equal(10, edge.Requests);
        Assert.Equal(1, edge.Errors);
        Assert.Equal(0.1, edge.ErrorRatio);
        Assert.True(edge.Rps > 0);
        Assert.InRange(edge.P50Ms!.Value, 12, 15);
        Assert.InRange(edge.P99Ms!.Value, 17, 19);
        Assert.Equal(1000, edge.BytesSent);
        Assert.Equal("mutual_tls", edge.Mtls);
        Assert.Equal("UF", edge.LastError!.ResponseFlags);
        Assert.Equal("connect-to-destination", edge.LastError.Hop);
    }

    [Fact]
    public void Windows_select_buckets_and_an_hour_old_bucket_is_forgotten()
    {
        var (topology, time) = Create();
        topology.Add(Outbound(time.Now));
        time.Advance(TimeSpan.FromMinutes(3));
        topology.Add(Outbound(time.Now));
        topology.Add(Outbound(time.Now));

        Assert.Equal(2, Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges).Requests);
        Assert.Equal(3, Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(5)).Edges).Requests);

        time.Advance(TimeSpan.FromMinutes(61));
        Assert.Empty(topology.Snapshot(TimeSpan.FromHours(1)).Edges);
        topology.Add(Outbound(time.Now));
        Assert.Equal(1, Assert.Single(topology.Snapshot(TimeSpan.FromHours(1)).Edges).Requests);

        // A two-hour-old record (a backlog after an outage) shares a slot with a live bucket: it must not reset it.
        topology.Add(Outbound(time.Now - TimeSpan.FromHours(2)));
        Assert.Equal(1, Assert.Single(topology.Snapshot(TimeSpan.FromHours(1)).Edges).Requests);
    }

    [Fact]
    public void A_connection_logged_at_both_ends_counts_once_and_external_callers_count_inbound()
    {
        var (topology, time) = Create();
        var outbound = Outbound(time.Now);
        topology.Add(outbound);
        topology.Add(outbound with { Direction = "inbound", Reporter = "node-b" });
        topology.Add(outbound with { Direction = "inbound", Reporter = "node-b", SourceWorkload = null, SourceNamespace = null, SourceAddress = "192.0.2.7:5555" });

        var edges = topology.Snapshot(TimeSpan.FromMinutes(1)).Edges;
        Assert.Equal(2, edges.Count);
        Assert.Equal(1, edges.Single(e => e.Source == "workload:shop/web-1").Requests);
        Assert.Equal(1, edges.Single(e => e.Source == "external:192.0.2.7").Requests);
    }

    [Fact]
    public void The_refusing_sides_record_names_the_policy_in_the_edges_last_error_without_counting_twice()
    {
        var (topology, time) = Create();
        var refused = Outbound(time.Now, hop: "destination-proxy/node-b") with { Details = "the_destination_node_answered_401" };
        topology.Add(refused);
        topology.Add(refused with { Direction = "inbound", Reporter = "node-b", Details = "rbac_access_denied_matched_policy[shop/no-web]", Policy = "shop/no-web" });

        var edge = Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges);
        Assert.Equal((1L, 1L), (edge.Requests, edge.Errors));
        Assert.Equal("denied by AuthorizationPolicy shop/no-web", edge.LastError!.Reason);
        Assert.Equal("destination-proxy/node-b", edge.LastError.Hop);

        // The caller's record of the next refusal may arrive after the refuser's: the policy still names it.
        topology.Add(refused with { Direction = "inbound", Reporter = "node-b", Details = "rbac_access_denied_matched_policy[shop/no-web]", Policy = "shop/no-web" });
        topology.Add(refused);
        edge = Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges);
        Assert.Equal((2L, "denied by AuthorizationPolicy shop/no-web"), (edge.Errors, edge.LastError!.Reason));
    }

    [Fact]
    public void Sampled_records_stand_for_their_share()
    {
        var (topology, time) = Create();
        topology.Add(Outbound(time.Now) with { SampleRate = 0.25 });
        Assert.Equal(4, Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges).Requests);
    }

    [Fact]
    public void Nodes_carry_app_version_node_and_identity_from_the_store()
    {
        var (topology, time) = Create();
        topology.Add(Outbound(time.Now) with { DestinationService = null });

        var view = topology.Snapshot(TimeSpan.FromMinutes(5));
        var catalog = view.Nodes.Single(n => n.Id == "workload:shop/catalog-1");
        Assert.Equal(("workload", "shop", "catalog-1", "catalog", "v2", "node-b"), (catalog.Kind, catalog.Namespace, catalog.Name, catalog.App, catalog.Version, catalog.Node));
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/catalog", catalog.Identity);
        Assert.Equal("5m", view.Window);
    }

    [Fact]
    public void A_plain_envoys_record_is_placed_by_address_and_cluster()
    {
        var (topology, time) = Create();
        topology.Add(new ObservedRecord
        {
            Start = time.Now,
            Protocol = "http",
            Reporter = "envoy-1",
            SourceAddress = "127.0.10.2:40000",
            UpstreamCluster = "outbound|80||catalog.shop.svc.cluster.local",
            DestinationService = AlsEntryReader.ServiceFromCluster("outbound|80||catalog.shop.svc.cluster.local"),
            ResponseCode = 503,
        });

        var edge = Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges);
        Assert.Equal(("workload:shop/web-1", "service:shop/catalog", "http"), (edge.Source, edge.Target, edge.Protocol));
        Assert.Equal(1, edge.ErrorRatio);
    }

    [Theory]
    [InlineData("1m", 60)]
    [InlineData("5m", 300)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData(null, 300)]
    public void Windows_parse(string? text, int seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), TopologyAggregator.ParseWindow(text));

    [Theory]
    [InlineData("2h")]
    [InlineData("5x")]
    [InlineData("-1m")]
    [InlineData("1s")]
    public void Bad_windows_are_refused(string text) => Assert.Null(TopologyAggregator.ParseWindow(text));
}
