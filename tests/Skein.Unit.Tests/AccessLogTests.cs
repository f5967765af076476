using System.Text.Json.Nodes;
using Skein.Proxy.Telemetry;

namespace Skein.Unit.Tests;

public sealed class AccessLogTests
{
    private static readonly AccessLogRecord Refused = new()
    {
        Start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, 123, TimeSpan.Zero),
        Direction = "outbound",
        Node = "node-a",
        ConnectionId = "c0ffee",
        SourceWorkload = "web-1",
        SourceNamespace = "shop",
        DestinationService = "db.shop.svc.cluster.local",
        Requested = "db.shop:5432",
        ResponseFlags = "UF,URX",
        Details = AccessLogRecord.ToDetails("could not connect  to any endpoint"),
        FailedHop = "connect-to-destination",
    };

    [Fact]
    public void The_text_line_follows_envoys_tcp_shape_and_names_the_failed_hop() =>
        Assert.Equal(
            "[2026-11-24T08:00:00.123Z] \"- - -\" 0 UF,URX could_not_connect_to_any_endpoint 0 0 0 - \"-\" \"-\" \"c0ffee\" \"db.shop:5432\" \"-\" " +
            "outbound node-a web-1.shop - -> - - db.shop.svc.cluster.local none failed_hop=connect-to-destination",
            AccessLog.Text(Refused));

    [Fact]
    public void The_json_line_uses_envoys_field_names()
    {
        var json = JsonNode.Parse(AccessLog.Json(Refused))!;
        Assert.Equal("UF,URX", json["response_flags"]!.GetValue<string>());
        Assert.Equal("could_not_connect_to_any_endpoint", json["response_code_details"]!.GetValue<string>());
        Assert.Equal("db.shop:5432", json["authority"]!.GetValue<string>());
        Assert.Equal("connect-to-destination", json["failed_hop"]!.GetValue<string>());
        Assert.Equal(0, json["response_code"]!.GetValue<int>());
    }

    private static readonly AccessLogRecord Request = new()
    {
        Start = new DateTimeOffset(2026, 11, 24, 8, 0, 0, 5, TimeSpan.Zero),
        Direction = "inbound",
        Node = "gateway",
        SourceAddress = "127.0.0.1:40000",
        Method = "GET",
        Path = "/books?id=1",
        Protocol = "HTTP/1.1",
        ResponseCode = 503,
        ResponseFlags = "UH",
        Details = "no_healthy_upstream",
        UserAgent = "curl/8.5.0",
        RequestId = "req-1",
        Authority = "shop.example",
        UpstreamHost = "10.0.0.7:8080",
        UpstreamCluster = "outbound|8080||books.shop.svc.cluster.local",
        RouteName = "shop/books",
        RetryCount = 2,
        Duration = TimeSpan.FromMilliseconds(12),
        FailedHop = "gateway/gateway",
    };

    [Fact]
    public void An_http_request_uses_envoys_default_http_line()
    {
        Assert.Equal(
            "[2026-11-24T08:00:00.005Z] \"GET /books?id=1 HTTP/1.1\" 503 UH no_healthy_upstream 0 0 12 - \"127.0.0.1:40000\" \"curl/8.5.0\" \"req-1\" " +
            "\"shop.example\" \"10.0.0.7:8080\" outbound|8080||books.shop.svc.cluster.local shop/books inbound gateway - - -> - - - none retries=2 failed_hop=gateway/gateway",
            AccessLog.Text(Request));
        Assert.True(Request.IsError);
    }

    [Fact]
    public void An_http_request_in_json_carries_the_request_fields()
    {
        var json = JsonNode.Parse(AccessLog.Json(Request))!;
        Assert.Equal("GET", json["method"]!.GetValue<string>());
        Assert.Equal(503, json["response_code"]!.GetValue<int>());
        Assert.Equal("req-1", json["request_id"]!.GetValue<string>());
        Assert.Equal("shop/books", json["route_name"]!.GetValue<string>());
        Assert.Equal(2, json["retry_count"]!.GetValue<int>());
    }

    [Fact]
    public void A_policy_denial_is_said_the_way_envoys_rbac_filter_says_it()
    {
        var denied = Refused with { ResponseFlags = "-", Details = AccessLogRecord.RbacDenied("payments/deny all"), FailedHop = null };
        Assert.Equal("rbac_access_denied_matched_policy[payments/deny_all]", denied.Details);
        Assert.True(denied.PolicyDenied);
        Assert.True(denied.IsError);
        Assert.False((Refused with { ResponseFlags = "-", FailedHop = null, Details = "-" }).IsError);
    }
}
