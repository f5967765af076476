using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Skein.Integration.Tests.Infrastructure;
using Skein.Samples.Echo.Grpc.Contract;

namespace Skein.Integration.Tests;

/// <summary>
/// A gateway in front of gRPC backends: a GRPCRoute on :8080 whose Echo rules pick a failure by the <c>x-case</c> header (a Service
/// with no endpoints, one whose endpoint refuses connections, one with a 100% abort fault, a backend answering its own
/// gRPC error), an AuthorizationPolicy denying EchoTwo, and an HTTPRoute on :8081 with a 300 ms request timeout in front of
/// a backend that holds requests marked <c>x-hang</c>.
/// </summary>
public sealed class GrpcLocalReplyMesh : IAsyncLifetime
{
    public const string EchoPath = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo";

    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    private WebApplication? _grpcBackend;

    public async Task InitializeAsync()
    {
        Mesh.WriteConfig("mesh.yaml",
            H2cService("echo", "echo") + H2cService("empty", "nobody") + H2cService("dead", "dead") + H2cService("faulty", "echo") + H2cService("raw", "raw") +
            Yaml.Workload("echo-1", "default", "node-1", Mesh.Block.Host(10), "echo", "echo") +
            Yaml.Workload("dead-1", "default", "node-1", Mesh.Block.Host(12), "dead", "dead") +
            Yaml.Workload("raw-1", "default", "node-1", Mesh.Block.Host(13), "raw", "raw"));
        Mesh.WriteConfig("gateway.yaml", GatewayYaml.Replace("GATEWAY_ADDRESS", GatewayAddress.ToString(), StringComparison.Ordinal));
        _grpcBackend = await StartGrpcBackendAsync(new IPEndPoint(Mesh.Block.Host(13), 8080));
        var echo = new IPEndPoint(Mesh.Block.Host(10), 8080);
        var grpcEcho = Mesh.Track(TestProcess.Sample("echo-1", "Skein.Samples.Echo", ["--listen", echo.ToString(), "--mode", "grpc"],
            new Dictionary<string, string> { ["POD_NAME"] = "echo-1", ["NAMESPACE"] = "default" }));
        await Mesh.WaitOkAsync(grpcEcho, new Uri($"http://{echo}/healthz"));
        // The text access log is read back by the tests (flags and the status recorded for a local answer).
        await Mesh.StartGatewayPathAsync(Mesh.Block.Host(2), Mesh.Block.Host(3), "--access-log-format", "text");
        using var channel = Channel(8080);
        var client = new GrpcEcho.GrpcEchoClient(channel);
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                try
                {
                    await client.EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    return true;
                }
                catch (RpcException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), "the gateway to route gRPC Echo");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Mesh.Logs}", e);
        }
    }

    public GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://{GatewayAddress}:{port}", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { UseProxy = false },
    });

    public Uri Url(int port, string path) => new($"http://{GatewayAddress}:{port}{path}");

    /// <summary>Waits for the gateway's access log line for <paramref name="path"/> that records <paramref name="status"/> and <paramref name="flags"/>.</summary>
    public Task WaitForLogAsync(string path, int status, string flags) =>
        Mesh.WaitForLogLineAsync(line => line.Contains(path, StringComparison.Ordinal) && line.Contains($" {status} {flags} ", StringComparison.Ordinal),
            $"an access log line for {path} with status {status} and flags {flags}");

    public async Task DisposeAsync()
    {
        if (_grpcBackend is not null)
        {
            await _grpcBackend.DisposeAsync();
        }

        await Mesh.DisposeAsync();
    }

    /// <summary>A gRPC backend of its own: holds requests marked x-hang until the caller goes, answers every other one FAILED_PRECONDITION (Trailers-Only).</summary>
    private static Task<WebApplication> StartGrpcBackendAsync(IPEndPoint endPoint) =>
        InProcessServer.StartAsync(endPoint, app => app.Run(async context =>
        {
            if (context.Request.Headers.ContainsKey("x-hang"))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return;
            }

            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "9";
            context.Response.Headers["grpc-message"] = "backend%3A stock is reserved";
            context.Response.Headers["x-backend"] = "raw-1";
        }), HttpProtocols.Http2);

    private static string H2cService(string name, string app) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: default}
        spec:
          selector: {app: {{app}}}
          ports: [{name: grpc, port: 81, targetPort: 8080, appProtocol: kubernetes.io/h2c}]
        ---

        """;

    private const string GatewayYaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: grpc-gw, namespace: default}
        spec:
          gatewayClassName: skein
          addresses: [{type: IPAddress, value: "GATEWAY_ADDRESS"}]
          listeners:
          - {name: grpc, port: 8080, protocol: HTTP}
          - {name: http, port: 8081, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: rpc, namespace: default}
        spec:
          parentRefs: [{name: grpc-gw, sectionName: grpc}]
          rules:
          - matches: [{method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}, headers: [{name: x-case, value: no-endpoints}]}]
            backendRefs: [{name: empty, port: 81}]
          - matches: [{method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}, headers: [{name: x-case, value: refused}]}]
            backendRefs: [{name: dead, port: 81}]
          - matches: [{method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}, headers: [{name: x-case, value: fault}]}]
            backendRefs: [{name: faulty, port: 81}]
          - matches: [{method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}, headers: [{name: x-case, value: backend-status}]}]
            backendRefs: [{name: raw, port: 81}]
          - matches:
            - method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo}
            - method: {service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: EchoTwo}
            backendRefs: [{name: echo, port: 81}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: slow, namespace: default}
        spec:
          parentRefs: [{name: grpc-gw, sectionName: http}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/}}]
            timeouts: {request: 300ms}
            backendRefs: [{name: raw, port: 81}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: no-echo-two, namespace: default}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: grpc-gw}]
          action: DENY
          rules: [{to: [{operation: {paths: ["/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo"]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: faulty, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: faulty}]
          faults:
            abort: {percentage: 100, httpStatus: 503}
        ---

        """;
}

/// <summary>Local answers to gRPC clients are gRPC statuses that say what failed; backends' own statuses and plain HTTP answers are untouched.</summary>
public sealed class GatewayGrpcLocalReplyTests(GrpcLocalReplyMesh fixture) : IClassFixture<GrpcLocalReplyMesh>
{
    private const string EchoThreePath = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoThree";

    [Fact]
    public async Task A_call_no_route_matches_gets_UNIMPLEMENTED_naming_NR()
    {
        var e = await FailAsync(method: "EchoThree");

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        Assert.Equal("NR: route_not_found", e.Status.Detail);
        // The access log keeps the status the gateway chose (not the 200 the gRPC client got) and the flags.
        await fixture.WaitForLogAsync(EchoThreePath, 404, "NR");
    }

    [Fact]
    public async Task A_service_without_endpoints_gives_UNAVAILABLE_naming_UH()
    {
        var e = await FailAsync("no-endpoints");

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("UH: service empty.default has no healthy endpoints", e.Status.Detail);
        Assert.DoesNotContain("Bad gRPC response", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_refusing_connections_gives_UNAVAILABLE_naming_UF()
    {
        var e = await FailAsync("refused");

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith("UF: ", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("connect to dead-1", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Connection refused", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_timeout_gives_UNAVAILABLE_naming_UT_as_envoy_maps_its_504()
    {
        var e = await FailAsync(port: 8081, headers: new Metadata { { "x-hang", "1" } });

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("UT: request_timeout", e.Status.Detail);
        await fixture.WaitForLogAsync(GrpcLocalReplyMesh.EchoPath, 504, "UT");
    }

    [Fact]
    public async Task An_authorization_deny_gives_PERMISSION_DENIED_without_naming_the_policy()
    {
        var e = await FailAsync(method: "EchoTwo");

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("RBAC: access denied", e.Status.Detail);
        await fixture.WaitForLogAsync("rbac_access_denied_matched_policy[default/no-echo-two]", 403, "-");
    }

    [Fact]
    public async Task A_fault_abort_gives_the_mapped_status_naming_FI()
    {
        var e = await FailAsync("fault");

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith("FI: fault injection aborted the request with 503", e.Status.Detail, StringComparison.Ordinal);
        // Trailers-Only: the answer's headers are the call's trailers, the skein-reason header among them.
        Assert.Contains("fault injection", e.Trailers.GetValue("skein-reason"), StringComparison.Ordinal);
        await fixture.WaitForLogAsync(GrpcLocalReplyMesh.EchoPath, 503, "FI");
    }

    [Fact]
    public async Task A_backends_own_grpc_status_reaches_the_client_unchanged()
    {
        var e = await FailAsync("backend-status");

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("backend: stock is reserved", e.Status.Detail);
        Assert.Equal("raw-1", e.Trailers.GetValue("x-backend"));
    }

    [Fact]
    public async Task A_successful_call_is_forwarded()
    {
        using var channel = fixture.Channel(8080);
        var reply = await new GrpcEcho.GrpcEchoClient(channel).EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(GrpcLocalReplyMesh.EchoPath, reply.Assertions.FullyQualifiedMethod);
    }

    [Fact]
    public async Task Plain_http_requests_still_get_plain_statuses_and_text_reasons()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var missing = await client.GetAsync(fixture.Url(8081, "/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("text/plain", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal("route_not_found\n", await missing.Content.ReadAsStringAsync());
        Assert.False(missing.Headers.Contains("grpc-status"));

        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Url(8081, GrpcLocalReplyMesh.EchoPath)) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-hang", "1");
        using var timedOut = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        Assert.Equal("request_timeout\n", await timedOut.Content.ReadAsStringAsync());
        Assert.False(timedOut.Headers.Contains("grpc-status"));
    }

    /// <summary>Makes one call that is expected to fail, with <c>x-case</c> set when given, and returns how it failed.</summary>
    private async Task<RpcException> FailAsync(string? xCase = null, string method = "Echo", int port = 8080, Metadata? headers = null)
    {
        headers ??= [];
        if (xCase is not null)
        {
            headers.Add("x-case", xCase);
        }

        using var channel = fixture.Channel(port);
        var client = new GrpcEcho.GrpcEchoClient(channel);
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(10));
        return await Assert.ThrowsAsync<RpcException>(async () => _ = method switch
        {
            "EchoTwo" => await client.EchoTwoAsync(new EchoRequest(), options),
            "EchoThree" => await client.EchoThreeAsync(new EchoRequest(), options),
            _ => await client.EchoAsync(new EchoRequest(), options),
        });
    }
}

/// <summary>A waypoint answers gRPC the same way: its local answers reach a mesh client (through its node proxy's SOCKS port) as gRPC statuses.</summary>
public sealed class WaypointGrpcLocalReplyTests
{
    [Fact]
    public async Task A_governed_service_whose_endpoint_refuses_gives_a_mesh_grpc_client_UNAVAILABLE_naming_UF()
    {
        await using var mesh = new TestMesh();
        mesh.WriteConfig("mesh.yaml",
            Yaml.Workload("client-1", "default", "node-1", mesh.Block.Host(12), "client", "client") +
            Yaml.Workload("dead-1", "default", "node-1", mesh.Block.Host(13), "dead", "dead") +
            Yaml.ServiceWithWaypoint("idle", "default", "dead", "wp", mesh.Block.Host(30).ToString()));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
        await mesh.StartL7ProxyAsync("waypoint", "waypoint", mesh.Block.Host(3), "--access-log-format", "text");
        await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(30), 15008));
        await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(12), 15080));
        // A whole HttpClient rather than a handler: with a bare SocketsHttpHandler the gRPC client opens its own sockets, bypassing the SOCKS proxy.
        using var socks = TestMesh.SocksClient(mesh.Block.Host(12));
        using var channel = GrpcChannel.ForAddress("http://idle.default", new GrpcChannelOptions { HttpClient = socks });
        var client = new GrpcEcho.GrpcEchoClient(channel);

        RpcException? failure = null;
        try
        {
            // Until the waypoint has its listener for the Service, the node proxy's tunnel is refused (not a gRPC answer).
            await TestMesh.EventuallyAsync(async () =>
            {
                failure = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);
                return failure.Status.Detail.StartsWith("UF: ", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(20), "the waypoint's own answer for idle.default");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast: {failure}\n{mesh.Logs}", e);
        }

        Assert.Equal(StatusCode.Unavailable, failure!.StatusCode);
        Assert.Contains("Connection refused", failure.Status.Detail, StringComparison.Ordinal);
        await mesh.WaitForLogLineAsync(line => line.Contains(GrpcLocalReplyMesh.EchoPath, StringComparison.Ordinal) && line.Contains(" 503 UF ", StringComparison.Ordinal),
            "the waypoint's access log line with status 503 and flags UF");
    }
}
