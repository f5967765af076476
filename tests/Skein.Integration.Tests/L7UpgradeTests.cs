using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Integration.Tests.Infrastructure;
using static Skein.Integration.Tests.UpgradeTests;

namespace Skein.Integration.Tests;

/// <summary>Gateway and waypoint drain and upgrade: a new process takes the listeners over, the old one drains its HTTP and TCP connections; SIGTERM drains.</summary>
/// <remarks>
/// The gateway serves HTTPRoute → echo (HTTP on 8080, HTTPS on 8443) and TCPRoute → a raw TCP echo (9000), both backends on node-1 behind
/// its node proxy. An upgrade is what an operator does: start the new binary with the same flags.
/// </remarks>
public sealed class L7UpgradeTests
{
    private const int HttpPort = 8080;
    private const int TcpPort = 9000;
    private const int HttpsPort = 8443;

    [Fact]
    public async Task Upgrading_the_gateway_under_http1_keep_alive_and_http2_load_in_cleartext_and_tls_fails_no_request_and_a_long_request_completes()
    {
        await using var mesh = new TestMesh();
        await using var gateway = await GatewayPath.StartAsync(mesh, drainTimeout: "60s");
        var url = new Uri($"http://{gateway.Address}:{HttpPort}/load");
        var https = new Uri($"https://{gateway.Address}:{HttpsPort}/load");
        await using var load = RequestLoad.Start("echo-1", (url, RequestLoad.Http11KeepAlive), (url, RequestLoad.H2c), (https, RequestLoad.Https11KeepAlive), (https, RequestLoad.Https2));
        await load.WaitForMoreAsync(40);

        // In flight when the upgrade begins: it finishes in the old process.
        using var longClient = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var longRequest = longClient.GetAsync(new Uri($"http://{gateway.Address}:{HttpPort}/long?delay=4s"));
        await Task.Delay(500);

        var old = gateway.Proxy.Process;
        var successor = await gateway.UpgradeAsync(mesh);
        await load.WaitForMoreAsync(60);

        using (var response = await longRequest)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("echo-1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (ok, failed, errors) = await load.StopAsync();
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the upgrade: {string.Join("; ", errors.Take(5))}\n{mesh.Logs}");
        // Kept-alive HTTP/1.1 and HTTP/2 connections left the old process on their own (Connection: close, GOAWAY): nothing was cut.
        Assert.Contains("drained: all", old.Output, StringComparison.Ordinal);
        Assert.Contains("took over from pid", successor.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await mesh.Http.GetAsync(TestMesh.AdminUri(gateway.Proxy.Address, "ready"))).StatusCode);
        // Istio's readiness port answers the same on the node address (what a kubelet or load balancer probes).
        Assert.Equal(HttpStatusCode.OK, (await mesh.Http.GetAsync(new Uri($"http://{gateway.Proxy.Address}:15021/healthz/ready"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mesh.Http.GetAsync(new Uri($"http://{gateway.Proxy.Address}:15021/config_dump"))).StatusCode);
    }

    [Fact]
    public async Task Sigterm_drains_the_gateway_a_long_request_completes_with_connection_close_and_new_connections_are_refused()
    {
        await using var mesh = new TestMesh();
        await using var gateway = await GatewayPath.StartAsync(mesh, drainTimeout: "120s");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using (var warm = await client.GetAsync(new Uri($"http://{gateway.Address}:{HttpPort}/warm")))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // The long request must be in the gateway's hands before the signal, however slowly a loaded machine sends it.
        var requestsBefore = await mesh.StatAsync(gateway.Proxy.Address, "l7.downstream_rq_total");
        var longRequest = client.GetAsync(new Uri($"http://{gateway.Address}:{HttpPort}/long?delay=3s"));
        await TestMesh.EventuallyAsync(async () => await mesh.StatAsync(gateway.Proxy.Address, "l7.downstream_rq_total") > requestsBefore,
            TimeSpan.FromSeconds(20), "the long request to reach the gateway");
        gateway.Proxy.Process.Signal(15);
        await gateway.Proxy.Process.WaitForOutputAsync("draining", TimeSpan.FromSeconds(30));

        using (var ready = await mesh.Http.GetAsync(TestMesh.AdminUri(gateway.Proxy.Address, "ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("draining\n", await ready.Content.ReadAsStringAsync());
        }

        using (var probe = await mesh.Http.GetAsync(new Uri($"http://{gateway.Proxy.Address}:15021/healthz/ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        }

        Assert.Equal(1, await mesh.StatAsync(gateway.Proxy.Address, "server.drains_total"));
        await TestMesh.EventuallyAsync(() => RefusesAsync(new IPEndPoint(gateway.Address, HttpPort)), TimeSpan.FromSeconds(20), "the gateway to refuse new connections");

        using (var response = await longRequest)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The kept-alive connection is asked to close after its in-flight request.
            Assert.True(response.Headers.ConnectionClose, "the response during the drain did not say Connection: close");
        }

        Assert.Equal(0, await gateway.Proxy.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("none cut", gateway.Proxy.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_route_connection_keeps_working_through_an_upgrade_until_it_closes_on_its_own()
    {
        await using var mesh = new TestMesh();
        await using var gateway = await GatewayPath.StartAsync(mesh, drainTimeout: "120s");
        using var held = await Echoing.OpenAsync(new IPEndPoint(gateway.Address, TcpPort));
        await held.RoundTripAsync("before");

        var old = gateway.Proxy.Process;
        var successor = await gateway.StartSuccessorAsync(mesh);
        await successor.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
        await old.WaitForOutputAsync("draining after the upgrade", TimeSpan.FromSeconds(30));

        // The old gateway still relays the open connection while new ones go to the successor.
        await held.RoundTripAsync("during");
        using (var fresh = await Echoing.OpenAsync(new IPEndPoint(gateway.Address, TcpPort)))
        {
            await fresh.RoundTripAsync("fresh");
        }

        Assert.False(old.HasExited);
        await held.RoundTripAsync("still");
        held.Dispose();
        Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("none cut", old.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_route_connection_held_past_the_drain_deadline_is_cut_and_counted()
    {
        await using var mesh = new TestMesh();
        await using var gateway = await GatewayPath.StartAsync(mesh, drainTimeout: "2s");
        using var held = await Echoing.OpenAsync(new IPEndPoint(gateway.Address, TcpPort));
        await held.RoundTripAsync("before");

        var old = gateway.Proxy.Process;
        await gateway.UpgradeAsync(mesh);

        Assert.Contains("drain deadline (2s) passed: cut 1 connections still open", old.Output, StringComparison.Ordinal);
        Assert.True(await held.EndsAsync(TimeSpan.FromSeconds(30)), "the cut connection was not closed");
        using var fresh = await Echoing.OpenAsync(new IPEndPoint(gateway.Address, TcpPort));
        await fresh.RoundTripAsync("after");
    }

    [Fact]
    public async Task A_second_sigterm_while_the_gateway_drains_cuts_what_is_left_and_the_stats_count_it()
    {
        await using var mesh = new TestMesh();
        await using var gateway = await GatewayPath.StartAsync(mesh, drainTimeout: "10m");
        using var held = await Echoing.OpenAsync(new IPEndPoint(gateway.Address, TcpPort));
        await held.RoundTripAsync("before");

        gateway.Proxy.Process.Signal(15);
        await gateway.Proxy.Process.WaitForOutputAsync("draining", TimeSpan.FromSeconds(30));
        await held.RoundTripAsync("draining");
        Assert.Equal(1, await mesh.StatAsync(gateway.Proxy.Address, "server.drains_total"));
        Assert.Equal(0, await mesh.StatAsync(gateway.Proxy.Address, "server.drain_cut_connections"));
        gateway.Proxy.Process.Signal(15);

        Assert.Equal(0, await gateway.Proxy.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("second stop signal while draining: cut 1 connections still open", gateway.Proxy.Process.Output, StringComparison.Ordinal);
        Assert.True(await held.EndsAsync(TimeSpan.FromSeconds(30)), "the cut connection was not closed");
    }

    [Fact]
    public async Task Upgrading_the_waypoint_under_mesh_load_fails_no_request()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        var waypointProxy = mesh.Block.Host(3);
        var echo = mesh.Block.Host(10);
        var client = mesh.Block.Host(11);
        var waypointAddress = mesh.Block.Host(30);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Workload("echo-1", "default", "node-1", echo, "echo", "echo") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", "client", ("echo", 80, 9001)) +
            Yaml.ServiceWithWaypoint("echo", "default", "echo", "wp", waypointAddress.ToString()));
        await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", node);
        var socket = Path.Combine(mesh.Root, "waypoint.sock");
        string[] args = ["--drain-timeout", "60s", "--handover-socket", socket];
        var old = await mesh.StartL7ProxyAsync("waypoint", "waypoint", waypointProxy, args);
        await mesh.WaitListeningAsync(new IPEndPoint(waypointAddress, 15008));
        await mesh.WaitListeningAsync(new IPEndPoint(client, 9001));
        var url = new Uri($"http://{client}:9001/load");
        using (var probe = new HttpClient())
        {
            await mesh.WaitForRouteAsync(probe, url, "the mesh to route through the waypoint");
        }

        await using var load = RequestLoad.Start("echo-1", (url, RequestLoad.FreshConnections), (url, RequestLoad.FreshConnections), (url, RequestLoad.Http11KeepAlive), (url, RequestLoad.Http11KeepAlive));
        await load.WaitForMoreAsync(40);

        var successor = await mesh.StartL7ProxyAsync("waypoint", "waypoint", waypointProxy, args);
        await successor.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        await load.WaitForMoreAsync(60);

        var (ok, failed, errors) = await load.StopAsync();
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the upgrade: {string.Join("; ", errors.Take(5))}\n{mesh.Logs}");
        Assert.Contains("drained: all", old.Output, StringComparison.Ordinal);
        Assert.Contains("GOAWAY on", old.Output, StringComparison.Ordinal);
        Assert.True(await mesh.StatAsync(waypointProxy, "waypoint.tunnels_total") > 0);
    }

    [Fact]
    public async Task A_gateway_pointed_at_a_node_proxys_handover_socket_stops_with_exit_2_and_the_node_proxy_keeps_its_listeners()
    {
        await using var mesh = new TestMesh();
        await mesh.StartControlAsync();
        var socket = Path.Combine(mesh.Root, "node.sock");
        var node = mesh.Block.Host(2);
        var proxy = await mesh.StartProxyAsync("node-1", node, extraArgs: ["--handover-socket", socket]);
        await TestMesh.EventuallyAsync(() => Task.FromResult(File.Exists(socket)), TimeSpan.FromSeconds(20), "the node proxy's hand-over socket");

        var gateway = mesh.Track(TestProcess.Skein("gateway-gateway",
            ["proxy", "--role", "gateway", "--node", "gateway", "--address", mesh.Block.Host(3).ToString(), "--control", $"{mesh.ControlAddress}:15012", "--handover-socket", socket],
            new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = mesh.RootCertPath, ["SKEIN_TOKEN"] = mesh.TokenFor("gateway") }));
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("has role node, this one gateway", gateway.Output, StringComparison.Ordinal);

        Assert.False(proxy.HasExited);
        Assert.Contains("a gateway proxy (pid", proxy.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await mesh.Http.GetAsync(TestMesh.AdminUri(node, "ready"))).StatusCode);
    }

    private static async Task<bool> RefusesAsync(IPEndPoint endPoint)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(endPoint);
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused;
        }
    }

    /// <summary>A gateway proxy process with its admin address.</summary>
    private sealed record GatewayProxy(TestProcess Process, IPAddress Address);

    /// <summary>node-1 (echo-1, tcp-1) with its node proxy, and the gateway-role proxy serving Gateway gw.</summary>
    private sealed class GatewayPath : IAsyncDisposable
    {
        private readonly TcpEchoServer _tcpEcho;
        private readonly string[] _args;

        private GatewayPath(TcpEchoServer tcpEcho, IPAddress address, string[] args)
        {
            _tcpEcho = tcpEcho;
            Address = address;
            _args = args;
        }

        /// <summary>The Gateway's address (its listeners).</summary>
        public IPAddress Address { get; }

        public GatewayProxy Proxy { get; private set; } = null!;

        public static async Task<GatewayPath> StartAsync(TestMesh mesh, string drainTimeout)
        {
            var echo = mesh.Block.Host(10);
            var tcp = mesh.Block.Host(12);
            var address = mesh.Block.Host(20);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = new CertificateRequest("CN=gw.example.com", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            mesh.WriteConfig("mesh.yaml",
                Yaml.Service("echo", "default", 80, 8080, "echo") +
                Yaml.Service("tcpecho", "default", 7000, 7000, "tcpecho") +
                Yaml.Workload("echo-1", "default", "node-1", echo, "echo", "echo") +
                Yaml.Workload("tcp-1", "default", "node-1", tcp, "tcpecho", "tcpecho") + $$"""
                apiVersion: v1
                kind: Secret
                metadata: {name: gw-cert, namespace: default}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: |
                {{Indent(certificate.ExportCertificatePem())}}
                  tls.key: |
                {{Indent(key.ExportPkcs8PrivateKeyPem())}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: default}
                spec:
                  gatewayClassName: skein
                  addresses: [{type: IPAddress, value: "{{address}}"}]
                  listeners:
                  - {name: http, port: {{HttpPort}}, protocol: HTTP}
                  - name: https
                    port: {{HttpsPort}}
                    protocol: HTTPS
                    tls: {mode: Terminate, certificateRefs: [{name: gw-cert}]}
                  - name: tcp
                    port: {{TcpPort}}
                    protocol: TCP
                    allowedRoutes:
                      kinds: [{kind: TCPRoute}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: echo, namespace: default}
                spec:
                  parentRefs: [{name: gw, sectionName: http}, {name: gw, sectionName: https}]
                  rules:
                  - backendRefs: [{name: echo, port: 80}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: tcpecho, namespace: default}
                spec:
                  parentRefs: [{name: gw, sectionName: tcp}]
                  rules:
                  - backendRefs: [{name: tcpecho, port: 7000}]
                ---

                """);
            await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
            var path = new GatewayPath(TcpEchoServer.Start(new IPEndPoint(tcp, 7000)), address,
                ["--drain-timeout", drainTimeout, "--handover-socket", Path.Combine(mesh.Root, "gateway.sock")]);
            await mesh.StartControlAsync();
            await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
            var proxy = mesh.Block.Host(3);
            path.Proxy = new GatewayProxy(await mesh.StartL7ProxyAsync("gateway", "gateway", proxy, path._args), proxy);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await mesh.WaitForRouteAsync(client, new Uri($"http://{address}:{HttpPort}/"), "the gateway to route to echo");
            await mesh.WaitListeningAsync(new IPEndPoint(address, TcpPort));
            return path;
        }

        private static string Indent(string pem) => string.Join('\n', pem.Split('\n').Select(line => "    " + line));

        /// <summary>The operator's upgrade: the same command again; waits until the old process drained and exited.</summary>
        public async Task<TestProcess> UpgradeAsync(TestMesh mesh)
        {
            var old = Proxy.Process;
            var successor = await StartSuccessorAsync(mesh);
            await successor.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
            Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            return successor;
        }

        /// <summary>Starts the successor; until it takes over, the old process answers the admin port (so this returns at once).</summary>
        public async Task<TestProcess> StartSuccessorAsync(TestMesh mesh)
        {
            var successor = await mesh.StartL7ProxyAsync("gateway", "gateway", Proxy.Address, _args);
            Proxy = Proxy with { Process = successor };
            return successor;
        }

        public ValueTask DisposeAsync() => _tcpEcho.DisposeAsync();
    }
}
