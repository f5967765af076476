using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>A gateway in front of echo, exporting spans to an OTLP/HTTP receiver the test runs.</summary>
public sealed class L7TelemetryMesh : IAsyncLifetime
{
    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    /// <summary>Spans the receiver got: (trace id, span id, parent span id, name), hex.</summary>
    public ConcurrentQueue<(string TraceId, string SpanId, string ParentSpanId, string Name)> Spans { get; } = new();

    private WebApplication? _otlp;

    public async Task InitializeAsync()
    {
        var otlp = new IPEndPoint(Mesh.Block.Host(30), 4318);
        _otlp = await StartOtlpReceiverAsync(otlp);
        Mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", Mesh.Block.Host(10), "echo", "echo"));
        Mesh.WriteConfig("gateway.yaml", $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: "{{GatewayAddress}}"}]
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: app, namespace: default}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: echo, port: 80}]}]
            """);
        await Mesh.StartEchoAsync("echo-1", new IPEndPoint(Mesh.Block.Host(10), 8080));
        await Mesh.StartGatewayPathAsync(Mesh.Block.Host(2), Mesh.Block.Host(3), "--otlp-endpoint", $"http://{otlp}/v1/traces");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Mesh.WaitForRouteAsync(client, Url("/ready"), "the gateway to route /");
    }

    public Uri Url(string path) => new($"http://{GatewayAddress}:8080{path}");

    public async Task DisposeAsync()
    {
        if (_otlp is not null)
        {
            await _otlp.DisposeAsync();
        }

        await Mesh.DisposeAsync();
    }

    /// <summary>An OTLP/HTTP receiver (POST /v1/traces, protobuf ExportTraceServiceRequest) that keeps the span ids it is sent.</summary>
    private Task<WebApplication> StartOtlpReceiverAsync(IPEndPoint endPoint)
    {
        return InProcessServer.StartAsync(endPoint, app =>
        {
            app.MapPost("/v1/traces", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                foreach (var span in OtlpSpans.Read(body.ToArray()))
                {
                    Spans.Enqueue(span);
                }

                context.Response.ContentType = "application/x-protobuf";
                return Results.Bytes([], "application/x-protobuf");
            });
        });
    }
}

/// <summary>Reads spans out of an OTLP ExportTraceServiceRequest by field number (opentelemetry-proto: request.resource_spans=1, ResourceSpans.scope_spans=2, ScopeSpans.spans=2, Span trace_id=1, span_id=2, parent_span_id=4, name=5).</summary>
internal static class OtlpSpans
{
    public static IEnumerable<(string TraceId, string SpanId, string ParentSpanId, string Name)> Read(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    string Hex(int field) => Fields(span, field).Select(b => Convert.ToHexStringLower(b)).FirstOrDefault() ?? "";
                    yield return (Hex(1), Hex(2), Hex(4), Fields(span, 5).Select(b => System.Text.Encoding.UTF8.GetString(b)).FirstOrDefault() ?? "");
                }
            }
        }
    }

    /// <summary>The length-delimited values of <paramref name="field"/> in a message, skipping every other field.</summary>
    private static List<byte[]> Fields(byte[] message, int field)
    {
        var values = new List<byte[]>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                values.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return values;
    }
}

/// <summary>HTTP access records and traces from a gateway: the topology's http edge, traceparent propagation, OTLP export.</summary>
public sealed class L7TelemetryTests(L7TelemetryMesh fixture) : IClassFixture<L7TelemetryMesh>
{
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task Gateway_requests_reach_the_topology_as_an_http_edge_with_rate_latency_and_5xx_errors()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(fixture.Url($"/ok/{i}"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(fixture.Url("/status/503"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(fixture.Url("/status/503"))).StatusCode);

        JsonObject? edge = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            var topology = await fixture.Mesh.GetJsonAsync(new Uri(fixture.Mesh.Api, "api/v1/topology?window=1m"));
            edge = topology["edges"]!.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e =>
                (string?)e["source"] == "workload:default/gw" && (string?)e["target"] == "service:default/echo" && (string?)e["protocol"] == "http" &&
                (long)e["requests"]! >= 12 && (long)e["errors"]! >= 2);
            return edge is not null;
        }, TimeSpan.FromSeconds(20), "an http edge gw -> echo with 12 requests and 2 errors");

        Assert.True((double)edge!["rps"]! > 0);
        Assert.True((double)edge["errorRatio"]! > 0);
        Assert.NotNull(edge["p99Ms"]);
        Assert.Equal("mutual_tls", (string?)edge["mtls"]);
        var lastError = edge["lastError"]!.AsObject();
        Assert.False(string.IsNullOrEmpty((string?)lastError["requestId"]));
        Assert.StartsWith("destination-workload/", (string?)lastError["hop"]);
    }

    [Fact]
    public async Task A_traceparent_continues_through_the_gateway_with_the_gateways_span_as_parent()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Url("/traced"));
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-01");
        request.Headers.TryAddWithoutValidation("tracestate", "vendor=opaque");
        var echo = JsonNode.Parse(await (await client.SendAsync(request)).Content.ReadAsStringAsync())!;

        var forwarded = (string)echo["headers"]!["Traceparent"]![0]!;
        var parts = forwarded.Split('-');
        Assert.Equal(["00", ClientTraceId], parts[..2]);
        Assert.NotEqual(ClientSpanId, parts[2]);
        Assert.Equal("01", parts[3]);
        Assert.Equal("vendor=opaque", (string)echo["headers"]!["Tracestate"]![0]!);

        // With OTLP configured, the gateway's span (the backend's parent) is exported under the client's span.
        await TestMesh.EventuallyAsync(() => Task.FromResult(fixture.Spans.Any(s => s.TraceId == ClientTraceId && s.SpanId == parts[2] && s.ParentSpanId == ClientSpanId)),
            TimeSpan.FromSeconds(20), "the gateway's span at the OTLP receiver");
    }

    [Fact]
    public async Task A_request_without_a_traceparent_starts_a_trace()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var echo = JsonNode.Parse(await client.GetStringAsync(fixture.Url("/untraced")))!;

        var forwarded = (string)echo["headers"]!["Traceparent"]![0]!;
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", forwarded);
        var parts = forwarded.Split('-');
        await TestMesh.EventuallyAsync(() => Task.FromResult(fixture.Spans.Any(s => s.TraceId == parts[1] && s.SpanId == parts[2] && s.ParentSpanId == "")),
            TimeSpan.FromSeconds(20), "the gateway's root span at the OTLP receiver");
    }
}
