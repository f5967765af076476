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
}
