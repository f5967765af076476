using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Exporter;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Control.Telemetry;
using Skein.Core.Identity;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Workload;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Observability;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;
using Skein.Unit.Tests.Telemetry;
using XdsProto = Skein.Core.Protos.Envoy.Discovery;

namespace Skein.Unit.Tests.L7;

/// <summary>Gateway/waypoint telemetry: requests as HTTP access records and ALS HTTP entries, W3C trace context, tracing settings.</summary>
public sealed class L7TelemetryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");

    public L7TelemetryTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=test root", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(_root, cert.ExportCertificatePem());
    }

    public void Dispose() => File.Delete(_root);

    private HttpRequestLog Log(string role)
    {
        var options = new ProxyOptions { Node = role, Role = role, ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _root, Token = "t", AccessLogFormat = "off" };
        var stats = new ProxyStats();
        var channel = new ControlPlaneChannel(options, new MeshTrust(options), NullLogger<ControlPlaneChannel>.Instance);
        var log = new AccessLog(new AccessLogSettings(options), new AccessLogStreamer(options, channel, stats, NullLogger<AccessLogStreamer>.Instance), stats);
        return new HttpRequestLog(options, log, new HttpMetrics(), new ProxyStateStore());
    }

    private static DefaultHttpContext Request(string path = "/books?id=1")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Protocol = "HTTP/2";
        context.Request.Host = new HostString("shop.example");
        var query = path.IndexOf('?', StringComparison.Ordinal);
        context.Request.Path = query < 0 ? path : path[..query];
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
        context.Request.Headers["x-request-id"] = "req-1";
        context.Request.Headers.UserAgent = "curl/8.5.0";
        context.Request.ContentLength = 12;
        context.Connection.RemoteIpAddress = IPAddress.Parse("127.0.0.1");
        context.Connection.RemotePort = 40000;
        return context;
    }

    private static RequestOutcome Upstream(string flags = "-", string details = "via_upstream", int attempts = 1) => new()
    {
        Route = "HTTPRoute shop/books rule 0",
        Service = new Service { Name = "books", Namespace = "shop", Hostname = "books.shop.svc.cluster.local", Ports = { new Port { ServicePort = 80, TargetPort = 8080 } } },
        Endpoint = new UpstreamEndpoint(IPEndPoint.Parse("10.0.0.7:8080"), new Workload { Name = "books-v1", Namespace = "shop", ServiceAccount = "books" }),
        MutualTls = true,
        Attempts = attempts,
        Flags = flags,
        Details = details,
    };

    [Fact]
    public void A_gateway_request_becomes_an_http_record_with_every_request_field()
    {
        var context = Request();
        context.Response.StatusCode = 200;
        context.Response.ContentLength = 34;

        var r = Log("gateway").Record(context, Upstream(attempts: 2), DateTimeOffset.UnixEpoch, TimeSpan.FromMilliseconds(12));

        Assert.True(r.IsHttp);
        Assert.Equal(("POST", "shop.example", "/books?id=1", "HTTP/2", 200), (r.Method, r.Authority, r.Path, r.Protocol, r.ResponseCode));
        Assert.Equal(("req-1", "HTTPRoute shop/books rule 0", "outbound|80||books.shop.svc.cluster.local", "curl/8.5.0", 1),
            (r.RequestId, r.RouteName, r.UpstreamCluster, r.UserAgent, r.RetryCount));
        Assert.Equal(("127.0.0.1:40000", "books-v1", "shop", "books.shop.svc.cluster.local", "10.0.0.7:8080"),
            (r.SourceAddress, r.DestinationWorkload, r.DestinationNamespace, r.DestinationService, r.UpstreamHost));
        Assert.Equal(("mutual_tls", "spiffe://cluster.local/ns/shop/sa/books"), (r.Security, r.DestinationPrincipal));
        Assert.Equal((12L, 34L, "-", "via_upstream"), (r.BytesReceived, r.BytesSent, r.ResponseFlags, r.Details));
        Assert.False(r.IsError);
        Assert.Null(r.FailedHop);
    }

    [Theory]
    [InlineData(404, "NR", "route_not_found", null, "gateway/gateway")]
    [InlineData(503, "UH", "no_healthy_upstream", null, "gateway/gateway")]
    [InlineData(503, "UF", "connection_refused", "10.0.0.7:8080", "connect-to-destination/10.0.0.7:8080")]
    [InlineData(504, "UT", "backend_request_timeout", "10.0.0.7:8080", "destination-workload/10.0.0.7:8080")]
    [InlineData(500, "-", "via_upstream", "10.0.0.7:8080", "destination-workload/10.0.0.7:8080")]
    [InlineData(403, "-", "rbac_access_denied_matched_policy[shop/deny]", null, "gateway/gateway")]
    [InlineData(0, "DC", "downstream_remote_disconnect", "10.0.0.7:8080", "downstream")]
    public void A_failed_request_names_its_flags_and_the_hop_that_failed(int status, string flags, string details, string? endpoint, string hop)
    {
        var context = Request();
        context.Response.StatusCode = status == 0 ? 200 : status;
        var outcome = Upstream(flags, details);
        outcome.Endpoint = endpoint is null ? null : outcome.Endpoint;
        var r = Log("gateway").Record(context, outcome, DateTimeOffset.UnixEpoch, TimeSpan.FromMilliseconds(1));

        Assert.Equal((flags, hop, status), (r.ResponseFlags, r.FailedHop, r.ResponseCode));
        Assert.True(r.IsError);
        Assert.Equal(details.StartsWith("rbac", StringComparison.Ordinal) ? "shop/deny" : null, r.Policy);
    }

    [Fact]
    public void A_local_answer_sent_to_a_grpc_client_as_200_is_logged_with_the_status_the_proxy_chose()
    {
        var context = Request();
        context.Request.ContentType = "application/grpc";
        var outcome = Upstream();
        outcome.Endpoint = null;
        Skein.Proxy.L7.LocalReplies.LocalReply.Send(context, outcome, 503, "UH", "no_healthy_upstream");
        Assert.True(Skein.Proxy.L7.LocalReplies.LocalReply.TryCompleteAsGrpc(context, outcome));

        var r = Log("gateway").Record(context, outcome, DateTimeOffset.UnixEpoch, TimeSpan.FromMilliseconds(1));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal((503, "UH", "gateway/gateway"), (r.ResponseCode, r.ResponseFlags, r.FailedHop));
        Assert.True(r.IsError);
    }

    [Fact]
    public void At_a_waypoint_the_source_is_the_verified_tunnel_peer()
    {
        var context = Request();
        context.Features.Set(new TunnelPeerFeature(SpiffeId.Parse("spiffe://cluster.local/ns/shop/sa/web"), IPAddress.Parse("10.0.0.3")));
        var r = Log("waypoint").Record(context, Upstream(), DateTimeOffset.UnixEpoch, TimeSpan.FromMilliseconds(1));

        Assert.Equal(("spiffe://cluster.local/ns/shop/sa/web", "shop", "10.0.0.3"), (r.SourcePrincipal, r.SourceNamespace, r.SourceAddress));
        Assert.Equal("waypoint", r.Direction);
    }

    [Theory]
    [InlineData("for=10.0.0.3", "10.0.0.3")]
    [InlineData("for=\"[fd00::3]\";proto=http", "fd00::3")]
    [InlineData("by=x", null)]
    [InlineData(null, null)]
    public void The_hbone_forwarded_header_names_the_original_source(string? header, string? expected) =>
        Assert.Equal(expected, Skein.Proxy.L7.Listeners.WaypointInbound.ForwardedFor(header)?.ToString());

    [Fact]
    public void Gateway_records_stream_as_http_entries_that_build_an_http_edge_with_errors_and_latency()
    {
        var log = Log("gateway");
        var records = new List<AccessLogRecord>();
        for (var i = 0; i < 9; i++)
        {
            var ok = Request();
            ok.Response.StatusCode = 200;
            records.Add(log.Record(ok, Upstream(), DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10 + i)) with { SourceWorkload = "web-1", SourceNamespace = "shop" });
        }

        var failed = Request();
        failed.Response.StatusCode = 503;
        records.Add(log.Record(failed, Upstream("UF", "connection_refused"), DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(100)) with { SourceWorkload = "web-1", SourceNamespace = "shop" });

        var entries = AccessLogStreamer.Messages(records).SelectMany(m => m.HttpLogs.LogEntry).ToList();
        Assert.Equal(10, entries.Count);
        Assert.Equal(HTTPAccessLogEntry.Types.HTTPVersion.Http2, entries[0].ProtocolVersion);
        Assert.Equal(("shop.example", "/books?id=1", "req-1", "curl/8.5.0"), (entries[0].Request.Authority, entries[0].Request.Path, entries[0].Request.RequestId, entries[0].Request.UserAgent));
        Assert.Equal(("outbound|80||books.shop.svc.cluster.local", "HTTPRoute shop/books rule 0"), (entries[0].CommonProperties.UpstreamCluster, entries[0].CommonProperties.RouteName));
        Assert.True(entries[9].CommonProperties.ResponseFlags.UpstreamConnectionFailure);
        Assert.Equal(503u, entries[9].Response.ResponseCode);

        var store = TestConfig.Store(TestConfig.Bookstore);
        var topology = new TopologyAggregator(store, new ControlPlaneOptions { ConfigDirectory = "." }, TimeProvider.System);
        foreach (var entry in entries)
        {
            topology.Add(AlsEntryReader.Http(entry, "gateway"));
        }

        var edge = Assert.Single(topology.Snapshot(TimeSpan.FromMinutes(1)).Edges);
        Assert.Equal(("workload:shop/web-1", "service:shop/books", "http", 10L, 1L), (edge.Source, edge.Target, edge.Protocol, edge.Requests, edge.Errors));
        Assert.Equal(0.1, edge.ErrorRatio);
        Assert.True(edge.Rps > 0);
        Assert.NotNull(edge.P99Ms);
        Assert.Equal("mutual_tls", edge.Mtls);
        Assert.Equal(("UF", "connect-to-destination/10.0.0.7:8080", "req-1"), (edge.LastError!.ResponseFlags, edge.LastError.Hop, edge.LastError.RequestId));
    }

    [Fact]
    public void A_valid_traceparent_parses_and_a_child_keeps_the_trace_with_a_new_span()
    {
        Assert.True(TraceContext.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", out var parent));
        Assert.Equal(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true), (parent.TraceId.ToHexString(), parent.SpanId.ToHexString(), parent.Sampled));

        var child = parent.Child();
        Assert.Equal(parent.TraceId, child.TraceId);
        Assert.NotEqual(parent.SpanId, child.SpanId);
        Assert.Matches("^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$", child.ToTraceparent());

        Assert.True(TraceContext.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", out var unsampled));
        Assert.EndsWith("-00", unsampled.Child().ToTraceparent(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    public void An_invalid_traceparent_is_not_a_parent(string header) => Assert.False(TraceContext.TryParse(header, out _));

    [Fact]
    public void A_new_root_is_a_well_formed_traceparent()
    {
        var a = TraceContext.NewRoot(sampled: true);
        var b = TraceContext.NewRoot(sampled: false);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", a.ToTraceparent());
        Assert.EndsWith("-00", b.ToTraceparent(), StringComparison.Ordinal);
        Assert.NotEqual(a.TraceId, b.TraceId);
    }

    [Fact]
    public void The_gateway_forwards_its_own_span_as_the_backends_parent()
    {
        var settings = new TracingSettings(new ProxyOptions { Node = "g", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = "", Token = "" });
        var context = Request();
        context.Request.Headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var span = new RequestTracer(settings).Start(context, "shop");

        Assert.Same(span, context.Features.Get<RequestSpan>());
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId?.ToHexString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", span.Context.TraceId.ToHexString());
        Assert.NotEqual("00f067aa0ba902b7", span.Context.SpanId.ToHexString());
        Assert.Null(new RequestTracer(settings).Start(Request(), "shop").ParentSpanId);
    }

    [Theory]
    [InlineData("collector:4317", "http://collector:4317/", OtlpExportProtocol.Grpc)]
    [InlineData("http://127.0.0.1:4318/v1/traces", "http://127.0.0.1:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("https://otel.example:4317", "https://otel.example:4317/", OtlpExportProtocol.Grpc)]
    public void Otlp_endpoints_pick_grpc_or_http(string endpoint, string uri, OtlpExportProtocol protocol)
    {
        var parsed = TraceExporter.Parse(endpoint);
        Assert.Equal((new Uri(uri), protocol), (parsed!.Value.Uri, parsed.Value.Protocol));
    }

    [Theory]
    [InlineData("ftp://x/y")]
    [InlineData("not a url")]
    [InlineData("host/path")]
    public void Bad_otlp_endpoints_are_refused(string endpoint) => Assert.Null(TraceExporter.Parse(endpoint));

    [Fact]
    public async Task Telemetry_tracing_compiles_and_sets_sampling_and_endpoint_without_touching_access_logs()
    {
        const string yaml = """
            apiVersion: skein.dev/v1alpha1
            kind: Telemetry
            metadata: {name: mesh-tracing, namespace: skein-system}
            spec:
              tracing:
              - samplingPercentage: 5
                otlpEndpoint: "collector:4317"
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Telemetry
            metadata: {name: shop, namespace: shop}
            spec:
              accessLogging: [{format: JSON}]
              tracing: [{samplingPercentage: 50}]
            """;
        var resources = TelemetryCompiler.Compile(TestConfig.Store(yaml).Current);
        var options = new ProxyOptions { Node = "g", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = "", Token = "", OtlpEndpoint = "cli:4317" };
        var logs = new AccessLogSettings(options);
        var tracing = new TracingSettings(options);
        Assert.Equal(("cli:4317", 100.0), (tracing.OtlpEndpoint, tracing.SamplingPercentage("shop")));

        await new TelemetryHandler(logs, tracing).ApplyAsync(
            resources.Select(p => new XdsProto.Resource { Name = p.Key, Version = p.Value.Version, Resource_ = p.Value.Body }).ToList(), [], CancellationToken.None);

        Assert.Equal(("collector:4317", 5.0, 50.0), (tracing.OtlpEndpoint, tracing.SamplingPercentage("other"), tracing.SamplingPercentage("shop")));
        Assert.Equal(logs.Default, logs.For("other"));
        Assert.Equal("json", logs.For("shop").Format);
    }
}
