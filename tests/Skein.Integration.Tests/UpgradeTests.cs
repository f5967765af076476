using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>Node proxy drain and upgrade (DESIGN §6 Lifecycle): a new process takes the listeners over, the old one drains; SIGTERM drains.</summary>
/// <remarks>
/// Two nodes: client-1 on node-a reaches echo (HTTP) and tcpecho (a raw TCP echo) on node-b through localhost upstreams,
/// so every request crosses node-a → HBONE (mTLS) → node-b. An upgrade is what an operator does: start the new
/// binary with the same flags; it takes over, the old one drains and exits.
/// </remarks>
public sealed class UpgradeTests
{
    private const int HttpPort = 9001;
    private const int TcpPort = 9002;

    [Fact]
    public async Task Upgrading_either_node_proxy_under_continuous_load_fails_no_request()
    {
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "60s");
        await using var load = RequestLoad.Start("echo-1", [.. Enumerable.Repeat((new Uri($"http://{nodes.Client}:{HttpPort}/load"), (Func<HttpClient>)RequestLoad.FreshConnections), 4)]);
        await load.WaitForMoreAsync(20);

        // The destination side first: node-b's inbound HBONE connections get GOAWAY, node-a opens new ones to the successor.
        var newB = await nodes.UpgradeAsync(mesh, "node-b");
        await load.WaitForMoreAsync(50);
        Assert.Contains("took over from pid", newB.Output, StringComparison.Ordinal);

        // Then the source side: the client's connections land on the successor's copy of the upstream listener.
        var newA = await nodes.UpgradeAsync(mesh, "node-a");
        await load.WaitForMoreAsync(50);
        Assert.Contains("took over from pid", newA.Output, StringComparison.Ordinal);

        var (ok, failed, errors) = await load.StopAsync();
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the upgrades: {string.Join("; ", errors.Take(5))}\n{mesh.Logs}");
        Assert.True(ok > 120);

        // The successors serve on their own: the admin port was handed over too.
        Assert.Equal(HttpStatusCode.OK, (await mesh.Http.GetAsync(TestMesh.AdminUri(nodes.NodeB, "ready"))).StatusCode);
        Assert.True(await mesh.StatAsync(nodes.NodeB, "inbound.mtls_cx_total") > 0);
    }

    [Fact]
    public async Task The_native_node_proxy_hands_its_listeners_to_a_new_process_under_load()
    {
        var native = await NativeProxyBuild.PathAsync();
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "60s", nodeBExecutable: native);
        await using var load = RequestLoad.Start("echo-1", [.. Enumerable.Repeat((new Uri($"http://{nodes.Client}:{HttpPort}/load"), (Func<HttpClient>)RequestLoad.FreshConnections), 4)]);
        await load.WaitForMoreAsync(20);

        await nodes.UpgradeAsync(mesh, "node-b");
        await load.WaitForMoreAsync(50);

        var (ok, failed, errors) = await load.StopAsync();
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the upgrade: {string.Join("; ", errors.Take(5))}\n{mesh.Logs}");
        Assert.Contains("drained: all", mesh.Logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_lived_tunnel_keeps_working_through_an_upgrade_until_it_closes_on_its_own()
    {
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "120s");
        using var held = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort));
        await held.RoundTripAsync("before");

        var oldB = nodes.B;
        var newB = await nodes.StartSuccessorAsync(mesh, "node-b");
        await newB.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
        await oldB.WaitForOutputAsync("draining after the upgrade", TimeSpan.FromSeconds(30));

        // The old node-b still relays the open tunnel while new connections go to the successor.
        await held.RoundTripAsync("during");
        using (var fresh = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort)))
        {
            await fresh.RoundTripAsync("fresh");
        }

        Assert.False(oldB.HasExited);
        await held.RoundTripAsync("still");

        // Upgrading the source side too: the old node-a keeps relaying the client's end of the same connection.
        var oldA = nodes.A;
        var newA = await nodes.StartSuccessorAsync(mesh, "node-a");
        await newA.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
        await oldA.WaitForOutputAsync("draining after the upgrade", TimeSpan.FromSeconds(30));
        await held.RoundTripAsync("both old");
        Assert.False(oldA.HasExited);

        // Closing it ends both old processes' drains well before the deadline: nothing cut.
        held.Dispose();
        Assert.Equal(0, await oldA.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, await oldB.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("none cut", oldA.Output, StringComparison.Ordinal);
        Assert.Contains("none cut", oldB.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tunnel_held_past_the_drain_deadline_is_cut_and_counted()
    {
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "2s");
        using var held = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort));
        await held.RoundTripAsync("before");

        var oldB = nodes.B;
        await nodes.UpgradeAsync(mesh, "node-b");

        Assert.Contains("cut 1 connections still open", oldB.Output, StringComparison.Ordinal);
        Assert.True(await held.EndsAsync(TimeSpan.FromSeconds(30)), "the cut tunnel's client connection was not closed");

        // The successor serves new connections.
        using var fresh = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort));
        await fresh.RoundTripAsync("after");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigterm_without_a_successor_refuses_new_connections_and_lets_open_ones_finish(bool native)
    {
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "120s", nodeBExecutable: native ? await NativeProxyBuild.PathAsync() : null);
        using var held = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort));
        await held.RoundTripAsync("before");

        nodes.B.Signal(15);
        await nodes.B.WaitForOutputAsync("draining", TimeSpan.FromSeconds(30));

        // The admin API stays up while draining, so the drain can be watched.
        using (var ready = await mesh.Http.GetAsync(TestMesh.AdminUri(nodes.NodeB, "ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("draining\n", await ready.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, await mesh.StatAsync(nodes.NodeB, "server.drains_total"));

        // node-b's listeners are closed: a new HBONE connection to the workload's address is refused.
        await TestMesh.EventuallyAsync(async () =>
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(nodes.Tcp, 15008));
                return false;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode == SocketError.ConnectionRefused;
            }
        }, TimeSpan.FromSeconds(20), "node-b to refuse new connections");

        // The open tunnel still works, and the proxy exits once it closes.
        await held.RoundTripAsync("draining");
        Assert.False(nodes.B.HasExited);
        held.Dispose();
        Assert.Equal(0, await nodes.B.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("none cut", nodes.B.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_sigterm_while_draining_cuts_what_is_left()
    {
        await using var mesh = new TestMesh();
        await using var nodes = await TwoNodes.StartAsync(mesh, drainTimeout: "10m");
        using var held = await Echoing.OpenAsync(new IPEndPoint(nodes.Client, TcpPort));
        await held.RoundTripAsync("before");

        nodes.B.Signal(15);
        await nodes.B.WaitForOutputAsync("draining", TimeSpan.FromSeconds(30));
        await held.RoundTripAsync("draining");
        nodes.B.Signal(15);

        Assert.Equal(0, await nodes.B.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("second stop signal while draining: cut 1 connections still open", nodes.B.Output, StringComparison.Ordinal);
        Assert.True(await held.EndsAsync(TimeSpan.FromSeconds(30)), "the cut tunnel's client connection was not closed");
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request", "is not a Skein proxy")]
    [InlineData("SKEIN-HANDOVER 2 OK pid=1", "speaks hand-over protocol 2, this binary 1")]
    public async Task A_handover_socket_held_by_something_else_stops_the_new_proxy_with_exit_2(string answer, string error)
    {
        await using var mesh = new TestMesh();
        await mesh.StartControlAsync();
        var path = Path.Combine(mesh.Root, "taken.sock");
        using var impostor = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        impostor.Bind(new UnixDomainSocketEndPoint(path));
        impostor.Listen(1);
        var answering = Task.Run(async () =>
        {
            using var peer = await impostor.AcceptAsync();
            var buffer = new byte[256];
            _ = await peer.ReceiveAsync(buffer);
            await peer.SendAsync(Encoding.ASCII.GetBytes(answer));
            await Task.Delay(2000);
        });

        var proxy = await mesh.StartProxyAsync("node-1", mesh.Block.Host(2), waitReady: false, extraArgs: ["--handover-socket", path]);
        Assert.Equal(2, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(error, proxy.Output, StringComparison.Ordinal);
        await answering;
    }

    [Fact]
    public async Task A_predecessor_that_goes_away_mid_handover_leaves_the_new_proxy_to_bind_its_listeners()
    {
        await using var mesh = new TestMesh();
        await mesh.StartControlAsync();
        var path = Path.Combine(mesh.Root, "dying.sock");
        using var dying = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        dying.Bind(new UnixDomainSocketEndPoint(path));
        dying.Listen(1);
        var answering = Task.Run(async () =>
        {
            // Greets as a proxy would, then dies before sending any listener.
            using var peer = await dying.AcceptAsync();
            _ = await peer.ReceiveAsync(new byte[256]);
            await peer.SendAsync(Encoding.ASCII.GetBytes("SKEIN-HANDOVER 1 OK pid=1"));
        });

        var node = mesh.Block.Host(2);
        var proxy = await mesh.StartProxyAsync("node-1", node, extraArgs: ["--handover-socket", path]);
        await answering;
        // Logged before the proxy got ready, but the console logger and our output reader may deliver it later.
        await proxy.WaitForOutputAsync("binding the listeners instead", TimeSpan.FromSeconds(10));
        await mesh.WaitListeningAsync(new IPEndPoint(node, 15080));
    }

    /// <summary>node-a (client-1) and node-b (echo-1, tcp-1) with their proxies.</summary>
    private sealed class TwoNodes : IAsyncDisposable
    {
        private readonly TcpEchoServer _tcpEcho;
        private readonly string[] _args;
        private readonly Dictionary<string, TestProcess> _proxies = [];

        private string? _nodeBExecutable;

        private TwoNodes(TestMesh mesh, TcpEchoServer tcpEcho, string drainTimeout)
        {
            _tcpEcho = tcpEcho;
            NodeA = mesh.Block.Host(2);
            NodeB = mesh.Block.Host(3);
            Client = mesh.Block.Host(11);
            Tcp = mesh.Block.Host(12);
            _args = ["--drain-timeout", drainTimeout];
            Root = mesh.Root;
        }

        public IPAddress NodeA { get; }

        public IPAddress NodeB { get; }

        public IPAddress Client { get; }

        public IPAddress Tcp { get; }

        public string Root { get; }

        public TestProcess A => _proxies["node-a"];

        public TestProcess B => _proxies["node-b"];

        public static async Task<TwoNodes> StartAsync(TestMesh mesh, string drainTimeout, string? nodeBExecutable = null)
        {
            var echo = mesh.Block.Host(10);
            var tcp = mesh.Block.Host(12);
            mesh.WriteConfig("mesh.yaml",
                Yaml.Service("echo", "default", 80, 8080, "echo") +
                Yaml.Service("tcpecho", "default", 7000, 7000, "tcpecho") +
                Yaml.Workload("echo-1", "default", "node-b", echo, "echo", "echo") +
                Yaml.Workload("tcp-1", "default", "node-b", tcp, "tcpecho", "tcpecho") +
                Yaml.Workload("client-1", "default", "node-a", mesh.Block.Host(11), "client", "client", ("echo", 80, HttpPort), ("tcpecho", 7000, TcpPort)));
            await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
            var nodes = new TwoNodes(mesh, TcpEchoServer.Start(new IPEndPoint(tcp, 7000)), drainTimeout) { _nodeBExecutable = nodeBExecutable };
            await mesh.StartControlAsync();
            nodes._proxies["node-a"] = await mesh.StartProxyAsync("node-a", nodes.NodeA, extraArgs: nodes.Args("node-a"));
            nodes._proxies["node-b"] = await mesh.StartProxyAsync("node-b", nodes.NodeB, nativeExecutable: nodeBExecutable, extraArgs: nodes.Args("node-b"));
            await mesh.WaitListeningAsync(new IPEndPoint(nodes.Client, HttpPort));
            await mesh.WaitListeningAsync(new IPEndPoint(nodes.Client, TcpPort));
            await mesh.WaitListeningAsync(new IPEndPoint(tcp, 15008));
            return nodes;
        }

        /// <summary>The operator's upgrade: the same command again; waits until the old process drained and exited.</summary>
        public async Task<TestProcess> UpgradeAsync(TestMesh mesh, string node)
        {
            var old = _proxies[node];
            var successor = await StartSuccessorAsync(mesh, node);
            await successor.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
            Assert.Equal(0, await old.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            return successor;
        }

        public async Task<TestProcess> StartSuccessorAsync(TestMesh mesh, string node)
        {
            var successor = await mesh.StartProxyAsync(node, node == "node-a" ? NodeA : NodeB, waitReady: false,
                nativeExecutable: node == "node-b" ? _nodeBExecutable : null, extraArgs: Args(node));
            _proxies[node] = successor;
            return successor;
        }

        private string[] Args(string node) => [.. _args, "--handover-socket", Path.Combine(Root, $"{node}.sock")];

        public ValueTask DisposeAsync() => _tcpEcho.DisposeAsync();
    }

    /// <summary>A client connection to the TCP echo through the mesh: lines out, the same lines back.</summary>
    internal sealed class Echoing : IDisposable
    {
        private readonly Socket _socket;

        private Echoing(Socket socket) => _socket = socket;

        public static async Task<Echoing> OpenAsync(IPEndPoint upstream)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(upstream);
            return new Echoing(socket);
        }

        public async Task RoundTripAsync(string text)
        {
            var line = Encoding.ASCII.GetBytes(text + "\n");
            await _socket.SendAsync(line);
            var buffer = new byte[line.Length];
            var read = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (read < line.Length)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
                Assert.True(n > 0, $"the connection closed before \"{text}\" came back");
                read += n;
            }

            Assert.Equal(text + "\n", Encoding.ASCII.GetString(buffer));
        }

        /// <summary>Whether the connection is closed by the other side (end of stream or reset) within <paramref name="timeout"/>.</summary>
        public async Task<bool> EndsAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                return await _socket.ReceiveAsync(new byte[16], cts.Token) == 0;
            }
            catch (SocketException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose() => _socket.Dispose();
    }

    /// <summary>A raw TCP echo backend in the test process.</summary>
    internal sealed class TcpEchoServer : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        private TcpEchoServer(Socket listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public static TcpEchoServer Start(IPEndPoint endPoint)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(endPoint);
            listener.Listen(64);
            return new TcpEchoServer(listener);
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptAsync(_stop.Token);
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            var buffer = new byte[4096];
                            try
                            {
                                int n;
                                while ((n = await client.ReceiveAsync(buffer, _stop.Token)) > 0)
                                {
                                    await client.SendAsync(buffer.AsMemory(0, n), _stop.Token);
                                }
                            }
                            catch (Exception e) when (e is SocketException or OperationCanceledException)
                            {
                            }
                        }
                    });
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _accepting;
        }
    }
}
