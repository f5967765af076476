using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>A gateway in front of Services with TrafficPolicies: outlier detection, connection-pool limits, rate limit and fault injection.</summary>
public sealed class ResilienceMesh : IAsyncLifetime
{
    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    public IPAddress GatewayProxy => Mesh.Block.Host(3);

    private WebApplication? _failing;

    public async Task InitializeAsync()
    {
        var node = Mesh.Block.Host(2);
        Mesh.WriteConfig("mesh.yaml",
            Yaml.Service("flaky", "default", 80, 8080, "flaky") +
            Yaml.Workload("flaky-good", "default", "node-1", Mesh.Block.Host(10), "flaky", "echo") +
            Yaml.Workload("flaky-bad", "default", "node-1", Mesh.Block.Host(11), "flaky", "echo") +
            Yaml.Service("plain", "default", 80, 8080, "echo") + Yaml.Service("limited", "default", 80, 8080, "echo") +
            Yaml.Service("faulty", "default", 80, 8080, "echo") + Yaml.Service("pooled", "default", 80, 8080, "echo") +
            Yaml.Service("delayed", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", Mesh.Block.Host(12), "echo", "echo"));
        Mesh.WriteConfig("gateway.yaml", GatewayYaml.Replace("GATEWAY_ADDRESS", GatewayAddress.ToString(), StringComparison.Ordinal));
        _failing = await StartFailingBackendAsync(new IPEndPoint(Mesh.Block.Host(11), 8080));
        await Mesh.StartEchoAsync("flaky-good", new IPEndPoint(Mesh.Block.Host(10), 8080));
        await Mesh.StartEchoAsync("echo-1", new IPEndPoint(Mesh.Block.Host(12), 8080));
        // Gateways write no stdout access log by default; these tests read the flags from it.
        await Mesh.StartGatewayPathAsync(node, GatewayProxy, "--access-log-format", "text");
        using var client = Client("plain.example.com");
        await Mesh.WaitForRouteAsync(client, Url("/"), "the gateway to route plain.example.com");
    }

    public Uri Url(string path) => new($"http://{GatewayAddress}:8080{path}");

    public static HttpClient Client(string host, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Host = host;
        return client;
    }

    /// <summary>Waits for the gateway's access log line of a request to <paramref name="host"/> with response flag <paramref name="flag"/>.</summary>
    public Task WaitForLogAsync(string host, string flag, string? containing = null) =>
        Mesh.WaitForLogLineAsync(line =>
            line.Contains(host, StringComparison.Ordinal) && line.Contains($" {flag} ", StringComparison.Ordinal)
            && (containing is null || line.Contains(containing, StringComparison.Ordinal)),
            $"an access log line for {host} with flag {flag}{(containing is null ? "" : $" and \"{containing}\"")}");

    public async Task DisposeAsync()
    {
        if (_failing is not null)
        {
            await _failing.DisposeAsync();
        }

        await Mesh.DisposeAsync();
    }

    /// <summary>An endpoint that answers every request 503, at once (so peak EWMA prefers it until it is ejected).</summary>
    private static Task<WebApplication> StartFailingBackendAsync(IPEndPoint endPoint)
    {
        return InProcessServer.StartAsync(endPoint, app =>
        {
            app.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("flaky-bad is failing");
            });
        });
    }

    private const string GatewayYaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: rgw, namespace: default}
        spec:
          gatewayClassName: skein
          addresses: [{type: IPAddress, value: "GATEWAY_ADDRESS"}]
          listeners: [{name: http, port: 8080, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: services, namespace: default}
        spec:
          parentRefs: [{name: rgw}]
          rules:
          - matches: [{headers: [{name: Host, value: plain.example.com}]}]
            backendRefs: [{name: plain, port: 80}]
          - matches: [{headers: [{name: Host, value: flaky.example.com}]}]
            backendRefs: [{name: flaky, port: 80}]
          - matches: [{headers: [{name: Host, value: limited.example.com}]}]
            backendRefs: [{name: limited, port: 80}]
          - matches: [{headers: [{name: Host, value: faulty.example.com}]}]
            backendRefs: [{name: faulty, port: 80}]
          - matches: [{headers: [{name: Host, value: pooled.example.com}]}]
            backendRefs: [{name: pooled, port: 80}]
          - matches: [{headers: [{name: Host, value: delayed.example.com}]}]
            backendRefs: [{name: delayed, port: 80}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: flaky, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: flaky}]
          outlierDetection: {consecutive5xxErrors: 3, baseEjectionTime: 10m, maxEjectionPercent: 50}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: limited, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: limited}]
          rateLimit: {requestsPerSecond: 0.001, burst: 2}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: faulty, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: faulty}]
          faults:
            abort: {percentage: 100, httpStatus: 418}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: pooled, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: pooled}]
          connectionPool: {maxConnections: 1, maxPendingRequests: 0}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: delayed, namespace: default}
        spec:
          targetRefs: [{group: "", kind: Service, name: delayed}]
          faults:
            delay: {percentage: 100, fixedDelay: 1ms}
        ---

        """;
}

public sealed class ResilienceTests(ResilienceMesh fixture) : IClassFixture<ResilienceMesh>
{
    [Fact]
    public async Task An_endpoint_answering_503_is_ejected_after_three_in_a_row_and_traffic_goes_to_the_healthy_one()
    {
        using var client = ResilienceMesh.Client("flaky.example.com");
        var failures = 0;
        // The healthy endpoint answers after 150 ms, the failing one at once: once its first (connection set-up) sample
        // decays, peak EWMA prefers the failing endpoint until it is ejected.
        for (var i = 0; i < 200 && failures < 3; i++)
        {
            using var response = await client.GetAsync(fixture.Url("/?delay=150ms"));
            failures += response.StatusCode == HttpStatusCode.ServiceUnavailable ? 1 : 0;
        }

        Assert.Equal(3, failures);
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync(fixture.Url("/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("flaky-good", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await fixture.Mesh.StatAsync(fixture.GatewayProxy, "l7.outlier_ejections"));
        await fixture.WaitForLogAsync("flaky.example.com", "-", "outlier_detection");
    }

    [Fact]
    public async Task Past_max_connections_with_no_pending_allowed_requests_get_503_UO_until_the_connection_frees()
    {
        using var slowClient = ResilienceMesh.Client("pooled.example.com", Timeout.InfiniteTimeSpan);
        using var stop = new CancellationTokenSource();
        Task<HttpResponseMessage> StartSlow() => slowClient.GetAsync(fixture.Url("/?delay=120s"), stop.Token);
        var slow = StartSlow();
        using var client = ResilienceMesh.Client("pooled.example.com");
        HttpResponseMessage? overflow = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            if (slow.IsCompleted)
            {
                // A probe got the connection first and the slow request overflowed: start it again.
                using (var early = await slow)
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
                }

                slow = StartSlow();
                return false;
            }

            var response = await client.GetAsync(fixture.Url("/"));
            // Only an overflow while the slow request holds the connection counts (not a race with the previous probe).
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || slow.IsCompleted)
            {
                response.Dispose();
                return false;
            }

            overflow = response;
            return true;
        }, TimeSpan.FromSeconds(45), "a request beyond maxConnections to overflow");
        using (overflow)
        {
            var reason = Assert.Single(overflow!.Headers.GetValues("skein-reason"));
            Assert.Contains("maxConnections", reason, StringComparison.Ordinal);
            Assert.Contains("upstream overflow", await overflow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await fixture.WaitForLogAsync("pooled.example.com", "UO", "upstream_overflow");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        await TestMesh.EventuallyAsync(async () => (await client.GetAsync(fixture.Url("/"))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "the connection to be free again once the slow request is gone");
    }

    [Fact]
    public async Task A_hundred_percent_abort_answers_the_configured_status_with_FI()
    {
        using var client = ResilienceMesh.Client("faulty.example.com");
        using var response = await client.GetAsync(fixture.Url("/x"));
        Assert.Equal((HttpStatusCode)418, response.StatusCode);
        Assert.Contains("fault injection", Assert.Single(response.Headers.GetValues("skein-reason")), StringComparison.Ordinal);
        await fixture.WaitForLogAsync("faulty.example.com", "FI");
    }

    [Fact]
    public async Task A_delay_fault_lets_the_request_through_and_marks_it_DI()
    {
        using var client = ResilienceMesh.Client("delayed.example.com");
        using var response = await client.GetAsync(fixture.Url("/d"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.WaitForLogAsync("delayed.example.com", "DI");
    }

    [Fact]
    public async Task Beyond_the_burst_the_local_rate_limit_answers_429_with_RL()
    {
        using var client = ResilienceMesh.Client("limited.example.com");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync(fixture.Url("/"));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        await fixture.WaitForLogAsync("limited.example.com", "RL", "local_rate_limited");
    }
}
