using Google.Protobuf;
using Skein.Control.Telemetry;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Telemetry;
using Skein.Proxy.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

/// <summary>ALS wire compatibility: fixtures written from Envoy's public proto decode, and Skein's entries round-trip.</summary>
public sealed class AlsTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Telemetry", "Fixtures", name));

    [Fact]
    public void A_hand_encoded_tcp_entry_decodes_with_envoys_field_numbers()
    {
        // StreamAccessLogsMessage{ identifier(1){ node(1){ id(1)="n1" }, log_name(2)="l" },
        //   tcp_logs(3){ log_entry(1){ common_properties(1){ upstream_cluster(15)="x", response_flags(16){ upstream_connection_failure(6)=true } },
        //                             connection_properties(2){ received_bytes(1)=5, sent_bytes(2)=7 } } } }
        byte[] wire =
        [
            0x0A, 0x09, 0x0A, 0x04, 0x0A, 0x02, (byte)'n', (byte)'1', 0x12, 0x01, (byte)'l',
            0x1A, 0x12, 0x0A, 0x10,
            0x0A, 0x08, 0x7A, 0x01, (byte)'x', 0x82, 0x01, 0x02, 0x30, 0x01,
            0x12, 0x04, 0x08, 0x05, 0x10, 0x07,
        ];

        var message = StreamAccessLogsMessage.Parser.ParseFrom(wire);
        Assert.Equal("n1", message.Identifier.Node.Id);
        Assert.Equal("l", message.Identifier.LogName);
        var entry = Assert.Single(message.TcpLogs.LogEntry);
        Assert.Equal("x", entry.CommonProperties.UpstreamCluster);
        Assert.True(entry.CommonProperties.ResponseFlags.UpstreamConnectionFailure);
        Assert.Equal((5ul, 7ul), (entry.ConnectionProperties.ReceivedBytes, entry.ConnectionProperties.SentBytes));
        Assert.Equal(wire, message.ToByteArray());

        var record = AlsEntryReader.Tcp(entry, "n1");
        Assert.Equal("UF", record.ResponseFlags);
        Assert.True(record.IsError);
    }

    [Fact]
    public void An_envoy_sidecars_http_entries_feed_the_same_graph()
    {
        var message = JsonParser.Default.Parse<StreamAccessLogsMessage>(Fixture("envoy-sidecar-http.json"));
        // Through the wire and back, as the receiver sees it.
        message = StreamAccessLogsMessage.Parser.ParseFrom(message.ToByteArray());
        var records = message.HttpLogs.LogEntry.Select(e => AlsEntryReader.Http(e, message.Identifier.Node.Id)).ToList();

        var ok = records[0];
        Assert.False(ok.FromSkein);
        Assert.Equal(("GET", "/books", 200, "5b7d8c1e-0000-4000-8000-000000000001"), (ok.Method, ok.Path, ok.ResponseCode, ok.RequestId));
        Assert.Equal("catalog.shop.svc.cluster.local", ok.DestinationService);
        Assert.Equal("127.0.10.2:40212", ok.SourceAddress);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", ok.SourcePrincipal);
        Assert.Equal("mutual_tls", ok.Security);
        Assert.Equal(TimeSpan.FromMilliseconds(42), ok.Duration);
        Assert.False(ok.IsError);

        var unhealthy = records[1];
        Assert.Equal(("UH", 503), (unhealthy.ResponseFlags, unhealthy.ResponseCode));
        Assert.True(unhealthy.IsError);

        var denied = records[2];
        Assert.Equal("inbound", denied.Direction);
        Assert.True(denied.PolicyDenied);
        Assert.Equal("ns[shop]-policy[no-deletes]-rule[0]", denied.Policy);

        var time = new ManualTime(new DateTimeOffset(2026, 11, 24, 9, 0, 30, TimeSpan.Zero));
        var topology = new TopologyAggregator(TestConfig.Store(TestConfig.Bookstore), new Skein.Control.ControlPlaneOptions { ConfigDirectory = "." }, time);
        records.ForEach(topology.Add);
        var edge = topology.Snapshot(TimeSpan.FromMinutes(1)).Edges.Single(e => e.Target == "service:shop/catalog");
        Assert.Equal(("workload:shop/web-1", "http", 2L, 1L), (edge.Source, edge.Protocol, edge.Requests, edge.Errors));
        Assert.NotNull(edge.P99Ms);
    }

    [Fact]
    public void A_skein_record_round_trips_through_als()
    {
        var record = new AccessLogRecord
        {
            Start = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero),
            Direction = "outbound",
            Node = "node-a",
            ConnectionId = "abc123",
            SourceWorkload = "web-1",
            SourceNamespace = "shop",
            SourcePrincipal = "spiffe://cluster.local/ns/shop/sa/web",
            SourceAddress = "127.0.10.2:5000",
            DestinationWorkload = "catalog-1",
            DestinationNamespace = "shop",
            DestinationPrincipal = "spiffe://cluster.local/ns/shop/sa/catalog",
            DestinationService = "catalog.shop.svc.cluster.local",
            UpstreamHost = "10.0.0.5:8080",
            BytesSent = 10,
            BytesReceived = 20,
            Duration = TimeSpan.FromMilliseconds(3),
            Security = "mutual_tls",
            ResponseFlags = "UF,URX",
            Details = "connect_refused",
            FailedHop = "connect-to-destination",
        };

        var message = Assert.Single(AccessLogStreamer.Messages([record]));
        var wire = StreamAccessLogsMessage.Parser.ParseFrom(message.ToByteArray());
        var entry = Assert.Single(wire.TcpLogs.LogEntry);
        Assert.True(entry.CommonProperties.ResponseFlags.UpstreamConnectionFailure && entry.CommonProperties.ResponseFlags.UpstreamRetryLimitExceeded);
        Assert.Equal("connect_refused", entry.CommonProperties.ConnectionTerminationDetails);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/catalog", entry.CommonProperties.TlsProperties.PeerCertificateProperties.SubjectAltName[0].Uri);
        Assert.True(entry.CommonProperties.FilterStateObjects[SkeinLogMetadata.Namespace].Is(Skein.Core.Protos.Skein.AccessLogDetails.Descriptor));

        var read = AlsEntryReader.Tcp(entry, "node-a");
        Assert.True(read.FromSkein);
        Assert.Equal(("web-1", "shop", "catalog-1", "catalog.shop.svc.cluster.local"), (read.SourceWorkload, read.SourceNamespace, read.DestinationWorkload, read.DestinationService));
        Assert.Equal(("UF,URX", "connect_refused", "connect-to-destination", "abc123"), (read.ResponseFlags, read.Details, read.FailedHop, read.ConnectionId));
        Assert.Equal((10L, 20L, TimeSpan.FromMilliseconds(3)), (read.BytesSent, read.BytesReceived, read.Duration));
        Assert.Equal(("spiffe://cluster.local/ns/shop/sa/web", "spiffe://cluster.local/ns/shop/sa/catalog"), (read.SourcePrincipal, read.DestinationPrincipal));
    }

    [Fact]
    public void The_older_metadata_struct_form_of_skeins_details_still_reads()
    {
        var message = JsonParser.Default.Parse<StreamAccessLogsMessage>("""
            { "identifier": { "node": { "id": "node-a" } },
              "tcpLogs": { "logEntry": [ { "commonProperties": {
                "upstreamCluster": "outbound|80||catalog.shop.svc.cluster.local",
                "metadata": { "filterMetadata": { "skein": {
                  "direction": "outbound", "source_workload": "web-1", "source_namespace": "shop", "destination_workload": "catalog-1",
                  "connection_security_policy": "mutual_tls", "failed_hop": "connect-to-destination", "connection_id": "c1" } } } } } ] } }
            """);
        var read = AlsEntryReader.Tcp(StreamAccessLogsMessage.Parser.ParseFrom(message.ToByteArray()).TcpLogs.LogEntry[0], "node-a");
        Assert.True(read.FromSkein);
        Assert.Equal(("web-1", "shop", "catalog-1", "catalog.shop.svc.cluster.local"), (read.SourceWorkload, read.SourceNamespace, read.DestinationWorkload, read.DestinationService));
        Assert.Equal(("mutual_tls", "connect-to-destination", "c1"), (read.Security, read.FailedHop, read.ConnectionId));
    }

    [Fact]
    public void Repeated_parts_of_entries_are_built_once_per_stream()
    {
        var record = new AccessLogRecord
        {
            Start = DateTimeOffset.UnixEpoch,
            Direction = "gateway",
            Node = "gateway",
            SourcePrincipal = "spiffe://cluster.local/ns/shop/sa/gw",
            DestinationPrincipal = "spiffe://cluster.local/ns/shop/sa/catalog",
            UpstreamHost = "10.0.0.5:8080",
            Security = "mutual_tls",
            Method = "GET",
        };
        var entries = new AlsEntries();
        var (first, second) = (entries.Http(record).CommonProperties, entries.Http(record with { RequestId = "r2" }).CommonProperties);
        Assert.Same(first.TlsProperties, second.TlsProperties);
        Assert.Same(first.UpstreamRemoteAddress, second.UpstreamRemoteAddress);
        Assert.Equal("10.0.0.5", first.UpstreamRemoteAddress.SocketAddress.Address);
    }

    [Fact]
    public void A_reused_entry_keeps_nothing_of_the_previous_batchs_record()
    {
        var entries = new AlsEntries();
        var first = new AccessLogRecord
        {
            Start = DateTimeOffset.UnixEpoch.AddSeconds(5),
            Direction = "gateway",
            Node = "gateway",
            SourcePrincipal = "spiffe://cluster.local/ns/shop/sa/gw",
            DestinationPrincipal = "spiffe://cluster.local/ns/shop/sa/catalog",
            DestinationWorkload = "catalog-1",
            Security = "mutual_tls",
            Method = "GET",
            ResponseCode = 503,
            ResponseFlags = "UH",
            FailedHop = "gateway/gateway",
            RequestId = "r1",
        };
        var second = new AccessLogRecord { Start = DateTimeOffset.UnixEpoch.AddSeconds(7), Direction = "gateway", Node = "gateway", Method = "DELETE", RequestId = "r2" };
        _ = AccessLogStreamer.Messages([first], entries).Single().ToByteArray();

        var wire = StreamAccessLogsMessage.Parser.ParseFrom(AccessLogStreamer.Messages([second], entries).Single().ToByteArray());
        var read = AlsEntryReader.Http(wire.HttpLogs.LogEntry.Single(), "gateway");
        Assert.Equal(("DELETE", 0, "-", "r2"), (read.Method, read.ResponseCode, read.ResponseFlags, read.RequestId));
        Assert.Null(read.DestinationWorkload);
        Assert.Null(read.FailedHop);
        Assert.Null(read.DestinationPrincipal);
        Assert.Equal("none", read.Security);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(7), read.Start);
    }

    [Fact]
    public void The_sender_s_own_encoding_is_envoys_wire_form()
    {
        var records = Enumerable.Range(0, 300).Select(i => new AccessLogRecord
        {
            Start = DateTimeOffset.UnixEpoch.AddSeconds(i),
            Direction = "gateway",
            Node = "gateway",
            SourcePrincipal = "spiffe://cluster.local/ns/shop/sa/gw",
            DestinationPrincipal = "spiffe://cluster.local/ns/shop/sa/catalog",
            DestinationService = "catalog.shop.svc.cluster.local",
            UpstreamHost = $"10.0.0.{i % 7}:8080",
            SourceAddress = $"127.0.0.1:{40000 + i}",
            Security = i % 2 == 0 ? "mutual_tls" : "none",
            Method = "GET",
            Path = new string('p', i),
            ResponseCode = 200 + (i % 3),
            RequestId = $"r{i}",
        }).ToList();
        var identifier = new StreamAccessLogsMessage.Types.Identifier { Node = new() { Id = "gateway" }, LogName = "skein-gateway" };
        var entries = new AlsEntries();
        var http = records.Select(entries.Http).ToList();

        var encoded = AccessLogStreamer.Encode(identifier, StreamAccessLogsMessage.HttpLogsFieldNumber, http);
        var expected = new StreamAccessLogsMessage { Identifier = identifier, HttpLogs = new() { LogEntry = { http } } };
        Assert.Equal(expected.ToByteArray(), encoded.Payload.ToArray());
        Assert.Equal(300, StreamAccessLogsMessage.Parser.ParseFrom(encoded.Payload.ToArray()).HttpLogs.LogEntry.Count);

        var tcp = AccessLogStreamer.Encode(null, StreamAccessLogsMessage.TcpLogsFieldNumber, [entries.Tcp(records[0] with { Method = null })]);
        Assert.Equal(StreamAccessLogsMessage.LogEntriesOneofCase.TcpLogs, StreamAccessLogsMessage.Parser.ParseFrom(tcp.Payload.ToArray()).LogEntriesCase);

        // A batch too large for one small message is split: every message stays off the large-object heap, the
        // identifier rides in the first only, and together they carry every entry in order.
        var chunks = AccessLogStreamer.EncodeChunked(identifier, StreamAccessLogsMessage.HttpLogsFieldNumber, http);
        Assert.True(chunks.Count > 1, $"a {encoded.Payload.Length}-byte batch was sent as one message");
        Assert.All(chunks, c => Assert.True(c.Payload.Length < 85_000, $"a {c.Payload.Length}-byte message lands on the large-object heap"));
        var decoded = chunks.Select(c => StreamAccessLogsMessage.Parser.ParseFrom(c.Payload.ToArray())).ToList();
        Assert.Equal(identifier, decoded[0].Identifier);
        Assert.All(decoded.Skip(1), m => Assert.Null(m.Identifier));
        Assert.Equal(http, decoded.SelectMany(m => m.HttpLogs.LogEntry));
        Assert.Equal(300, chunks.Sum(c => c.Entries));
    }

    [Fact]
    public void Http_records_go_in_http_batches_and_keep_request_fields()
    {
        var request = new AccessLogRecord
        {
            Start = DateTimeOffset.UnixEpoch,
            Direction = "inbound",
            Node = "gateway",
            Method = "PATCH",
            Path = "/a",
            Protocol = "HTTP/2",
            ResponseCode = 403,
            RequestId = "r1",
            RouteName = "shop/route",
            RetryCount = 1,
            Details = AccessLogRecord.RbacDenied("shop/deny"),
            Policy = "shop/deny",
        };
        var tcp = request with { Method = null };
        var messages = AccessLogStreamer.Messages([request, tcp]).ToList();
        Assert.Equal(2, messages.Count);
        var http = Assert.Single(messages.Single(m => m.LogEntriesCase == StreamAccessLogsMessage.LogEntriesOneofCase.HttpLogs).HttpLogs.LogEntry);
        Assert.Equal(HTTPAccessLogEntry.Types.HTTPVersion.Http2, http.ProtocolVersion);
        Assert.Equal(2u, http.CommonProperties.UpstreamRequestAttemptCount);

        var read = AlsEntryReader.Http(http, "gateway");
        Assert.Equal(("PATCH", "/a", 403, "r1", "shop/route"), (read.Method, read.Path, read.ResponseCode, read.RequestId, read.RouteName));
        Assert.Equal("shop/deny", read.Policy);
        Assert.True(read.IsError);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("NR")]
    [InlineData("UH,UF,URX")]
    [InlineData("UAEX")]
    public void Response_flags_round_trip(string flags) => Assert.Equal(flags, ResponseFlagCodes.FromProto(ResponseFlagCodes.ToProto(flags)));
}
