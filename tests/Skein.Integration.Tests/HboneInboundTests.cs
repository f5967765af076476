using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;
using Skein.Proxy.Hbone;

namespace Skein.Integration.Tests;

/// <summary>Skein's HBONE inbound (:15008) against peers nobody here wrote and against every way a caller can be wrong.</summary>
public sealed class HboneInboundTests
{
    private const string EchoId = "spiffe://cluster.local/ns/default/sa/echo";
    private const string ClientId = "spiffe://cluster.local/ns/default/sa/client";

    private sealed record Setup(TestMesh Mesh, IPAddress Echo, TestPki Pki) : IAsyncDisposable
    {
        public IPEndPoint Hbone => new(Echo, 15008);

        public string Authority => $"{Echo}:8080";

        public ValueTask DisposeAsync() => Mesh.DisposeAsync();
    }

    private static Task<Setup> StartAsync(string extraYaml = "") => StartAsync(_ => extraYaml);

    private static async Task<Setup> StartAsync(Func<LoopbackBlock, string> extraYaml)
    {
        var mesh = new TestMesh();
        var echo = mesh.Block.Host(10);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", echo, "echo", "echo") +
            Yaml.Workload("client-1", "default", "node-1", mesh.Block.Host(11), "client", "client") +
            extraYaml(mesh.Block));
        await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
        await mesh.WaitListeningAsync(new IPEndPoint(echo, 15008));
        // The listener opens with the workload; its certificate may follow a moment later.
        await TestMesh.EventuallyAsync(async () => (await mesh.ConfigDumpAsync(mesh.Block.Host(2)))["certificates"]!.AsArray().Count >= 2,
            TimeSpan.FromSeconds(10), "the node's certificates");
        return new Setup(mesh, echo, TestPki.FromState(mesh.StateDir));
    }

    private static async Task<JsonObject> NodeClientAsync(Setup s, string authority, string method, X509Certificate2? clientCert, bool tls = true)
    {
        var dir = s.Mesh.Root;
        string[] credentials = ["-", "-", s.Mesh.RootCertPath];
        if (clientCert is not null)
        {
            var (cert, key) = TestPki.WritePem(clientCert, dir, "node-client");
            credentials = [cert, key, s.Mesh.RootCertPath];
        }

        await using var node = TestProcess.Start("node", "node",
            [Path.Combine(AppContext.BaseDirectory, "interop", "hbone-client.js"), s.Echo.ToString(), "15008", authority, method, tls ? "tls" : "h2c", .. credentials]);
        await node.WaitForOutputAsync("RESULT ", TimeSpan.FromSeconds(20));
        var line = node.Output.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        return JsonNode.Parse(line["RESULT ".Length..])!.AsObject();
    }

    /// <summary>Our own codec as the client, for cases a stock client cannot produce; TLS with the given certificate.</summary>
    private static Task<HboneClientConnection> ConnectAsync(Setup s, X509Certificate2 clientCert) => ConnectAsync(s.Hbone, clientCert);

    /// <summary>Plaintext HBONE (h2c) to the echo workload's :15008.</summary>
    private static async Task<HboneClientConnection> ConnectPlaintextAsync(Setup s)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(s.Hbone);
        return await HboneClientConnection.StartAsync(new NetworkStream(socket, ownsSocket: true));
    }

    private static async Task<HboneClientConnection> ConnectAsync(IPEndPoint hbone, X509Certificate2 clientCert)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(hbone);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificates = [clientCert],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return await HboneClientConnection.StartAsync(tls);
    }

    /// <summary>TLS 1.3 lets the server reject a client certificate after the client finished its handshake: the refusal shows on first use.</summary>
    private static async Task AssertRefusedAsync(Setup s, X509Certificate2 clientCert)
    {
        var failed = false;
        try
        {
            await using var connection = await ConnectAsync(s, clientCert);
            using var stream = await connection.OpenTunnelAsync(s.Authority).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is IOException or AuthenticationException or HboneConnectException or TimeoutException)
        {
            failed = true;
        }

        Assert.True(failed, "the connection should have been refused");
        // The proxy counts the failure after its handshake gave up, i.e. after the alert the client has already seen.
        await TestMesh.EventuallyAsync(async () => await s.Mesh.StatAsync(s.Mesh.Block.Host(2), "inbound.tls_handshake_failed") >= 1,
            TimeSpan.FromSeconds(10), "the refused handshake to be counted");
    }

    [Fact]
    public async Task A_nodejs_http2_client_tunnels_through_with_a_mesh_certificate_and_sees_the_workloads_identity()
    {
        await using var s = await StartAsync();
        var result = await NodeClientAsync(s, s.Authority, "CONNECT", s.Pki.Issue(ClientId));
        Assert.True(result["status"]!.GetValue<int>() == 200, result.ToJsonString());
        Assert.Equal(EchoId, result["serverId"]!.GetValue<string>());
        Assert.Contains("/through-node", result["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Openssl_sees_tls13_alpn_h2_and_a_required_client_certificate()
    {
        await using var s = await StartAsync();
        await using var openssl = TestProcess.Start("openssl", "openssl",
            ["s_client", "-connect", s.Hbone.ToString(), "-tls1_3", "-alpn", "h2", "-CAfile", s.Mesh.RootCertPath]);
        openssl.CloseInput();
        await openssl.WaitForExitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(100);
        var output = openssl.Output;
        Assert.Contains("TLSv1.3", output);
        Assert.Contains("ALPN protocol: h2", output);
        Assert.Contains("Requested Signature Algorithms", output); // only printed when the server sent a CertificateRequest
        Assert.Contains("URI:" + EchoId, await ServerSanAsync(s));
    }

    private static async Task<string> ServerSanAsync(Setup s)
    {
        await using var openssl = TestProcess.Start("sh", "sh",
            ["-c", $"echo | openssl s_client -connect {s.Hbone} -tls1_3 -alpn h2 2>/dev/null | openssl x509 -noout -ext subjectAltName"]);
        await openssl.WaitForExitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(100);
        return openssl.Output;
    }

    [Fact]
    public async Task Callers_without_a_valid_svid_are_refused_at_the_handshake()
    {
        await using var s = await StartAsync();
        var noCert = await NodeClientAsync(s, s.Authority, "CONNECT", null);
        Assert.NotEqual(200, noCert["status"]!.GetValue<int>());

        await AssertRefusedAsync(s, TestPki.Foreign().Issue(ClientId));
        await AssertRefusedAsync(s, s.Pki.Issue(ClientId, DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(-1)));
        await AssertRefusedAsync(s, s.Pki.Issue("spiffe://other.domain/ns/default/sa/client"));
    }

    [Fact]
    public async Task Bad_method_bad_authority_and_unknown_destination_get_400_400_and_503()
    {
        await using var s = await StartAsync();
        var get = await NodeClientAsync(s, s.Authority, "GET", s.Pki.Issue(ClientId));
        Assert.Equal(400, get["status"]!.GetValue<int>());

        await using var connection = await ConnectAsync(s, s.Pki.Issue(ClientId));
        var bad = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync("echo.default:8080"));
        Assert.Equal(400, bad.Status);
        var unknown = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync($"{s.Mesh.Block.Host(99)}:8080"));
        Assert.Equal(503, unknown.Status);
        var refused = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync($"{s.Echo}:8999"));
        Assert.Equal(503, refused.Status);
        Assert.Contains("failed", refused.Reason);
    }

    [Fact]
    public async Task A_policy_denial_is_401_naming_the_policy_and_an_allowed_identity_passes()
    {
        await using var s = await StartAsync("""
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata:
              name: echo-from-client-only
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: echo
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: [cluster.local/ns/default/sa/client]
            ---

            """);
        await using var connection = await ConnectAsync(s, s.Pki.Issue("spiffe://cluster.local/ns/default/sa/intruder"));
        var denied = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync(s.Authority));
        Assert.Equal(401, denied.Status);
        Assert.Contains("default/echo-from-client-only", denied.Reason);

        await using var allowed = await ConnectAsync(s, s.Pki.Issue(ClientId));
        await using var tunnel = await allowed.OpenTunnelAsync(s.Authority); // throws unless answered 200
        await tunnel.WriteAsync("GET /allowed HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(tunnel);
        Assert.Contains("/allowed", await reader.ReadToEndAsync());
        Assert.True(await s.Mesh.StatAsync(s.Mesh.Block.Host(2), "inbound.denied_policy") >= 1);
        await TestMesh.EventuallyAsync(() => Task.FromResult(s.Mesh.Logs.Split('\n').Any(l =>
                l.Contains(" - rbac_access_denied_matched_policy[none] ", StringComparison.Ordinal) &&
                l.Contains("spiffe://cluster.local/ns/default/sa/intruder", StringComparison.Ordinal) &&
                l.Contains("failed_hop=destination-proxy/node-1", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(5), "the denial's access log line");
    }

    [Fact]
    public async Task An_open_tunnel_is_closed_when_a_new_policy_denies_it_and_others_keep_running()
    {
        await using var s = await StartAsync();
        await using var clientConnection = await ConnectAsync(s, s.Pki.Issue(ClientId));
        await using var otherConnection = await ConnectAsync(s, s.Pki.Issue("spiffe://cluster.local/ns/default/sa/other"));
        await using var denied = await clientConnection.OpenTunnelAsync(s.Authority);
        await using var kept = await otherConnection.OpenTunnelAsync(s.Authority);
        await RequestAsync(denied, "/before");
        await RequestAsync(kept, "/before");

        s.Mesh.WriteConfig("deny.yaml", Yaml.AuthorizationPolicy("no-client", "default", "echo", "DENY", "cluster.local/ns/default/sa/client"));

        // Nothing is sent on the denied tunnel: the proxy ends it on its own once the policy arrives.
        await AssertClosedByProxyAsync(denied, "the denied tunnel to be closed by the proxy");

        await RequestAsync(kept, "/after");
        Assert.Equal(1, await s.Mesh.StatAsync(s.Mesh.Block.Host(2), "inbound.closed_by_config_change"));
        await s.Mesh.WaitForLogLineAsync(
            l => l.Contains("closed_by_config_change:", StringComparison.Ordinal) && l.Contains("default/no-client", StringComparison.Ordinal) &&
                 l.Contains(ClientId, StringComparison.Ordinal) && l.Contains("failed_hop=destination-proxy/node-1", StringComparison.Ordinal),
            "the closed tunnel's access log line naming the policy");
        // A new tunnel for the denied identity is refused as before.
        var refused = await Assert.ThrowsAsync<HboneConnectException>(() => clientConnection.OpenTunnelAsync(s.Authority));
        Assert.Equal(401, refused.Status);
    }

    [Fact]
    public async Task An_open_plaintext_tunnel_is_closed_when_its_workload_turns_strict()
    {
        await using var s = await StartAsync();
        s.Mesh.WriteConfig("disable.yaml", Yaml.PeerAuthentication("echo-plaintext", "default", "echo", "DISABLE"));
        HboneStream? tunnel = null;
        await using var connection = await ConnectPlaintextAsync(s);
        await TestMesh.EventuallyAsync(async () =>
        {
            try
            {
                tunnel = await connection.OpenTunnelAsync(s.Authority);
                return true;
            }
            catch (HboneConnectException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "plaintext to be accepted under DISABLE");
        await using var open = tunnel!;
        await RequestAsync(open, "/plaintext");

        File.Delete(Path.Combine(s.Mesh.ConfigDir, "disable.yaml"));
        await AssertClosedByProxyAsync(open, "the plaintext tunnel to be closed once STRICT applies again");
        await s.Mesh.WaitForLogLineAsync(l => l.Contains("closed_by_config_change:", StringComparison.Ordinal) && l.Contains("requires_mTLS", StringComparison.Ordinal),
            "the closed plaintext tunnel's access log line");
    }

    [Fact]
    public async Task A_network_gateway_relays_only_mtls_tunnels_to_hbone_ports_of_this_meshs_workloads()
    {
        await using var s = await StartAsync(block => Yaml.Workload("eastwest-1", "default", "node-1", block.Host(30), "eastwest", "eastwest")
            .Replace("    app: eastwest\n", "    app: eastwest\n    skein.dev/network-gateway: \"true\"\n", StringComparison.Ordinal));
        var gateway = new IPEndPoint(s.Mesh.Block.Host(30), 15008);
        await s.Mesh.WaitListeningAsync(gateway);
        await TestMesh.EventuallyAsync(async () => (await s.Mesh.ConfigDumpAsync(s.Mesh.Block.Host(2)))["certificates"]!.AsArray().Count == 3,
            TimeSpan.FromSeconds(10), "the gateway workload's certificate");
        await using var connection = await ConnectAsync(gateway, s.Pki.Issue(ClientId));

        var notHbone = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync(s.Authority));
        Assert.Equal(400, notHbone.Status);
        var notOurs = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync($"{s.Mesh.Block.Host(99)}:15008"));
        Assert.Equal(503, notOurs.Status);

        // To the echo workload's HBONE port: relayed as opaque bytes, so the echo's node proxy answers the TLS inside.
        await using var relayed = await connection.OpenTunnelAsync($"{s.Echo}:15008");
        await using var inner = new SslStream(relayed);
        await inner.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificates = [s.Pki.Issue(ClientId)],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.Equal(EchoId, ((X509Certificate2)inner.RemoteCertificate!).GetNameInfo(X509NameType.UrlName, forIssuer: false));
        Assert.Equal(1, await s.Mesh.StatAsync(s.Mesh.Block.Host(2), "inbound.network_gateway_relayed_total"));

        // Plaintext callers have no identity to cross with.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway);
        await using var plaintext = await HboneClientConnection.StartAsync(new NetworkStream(socket, ownsSocket: false));
        var anonymous = await Assert.ThrowsAsync<HboneConnectException>(() => plaintext.OpenTunnelAsync($"{s.Echo}:15008"));
        Assert.Equal(401, anonymous.Status);
    }

    private static async Task AssertClosedByProxyAsync(Stream tunnel, string what)
    {
        var buffer = new byte[256];
        await TestMesh.EventuallyAsync(async () =>
        {
            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                return await tunnel.ReadAsync(buffer, wait.Token) == 0;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(15), what);
    }

    /// <summary>One keep-alive HTTP/1.1 request over a tunnel, read until the echo names the path.</summary>
    private static async Task RequestAsync(Stream tunnel, string path)
    {
        await tunnel.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: echo\r\n\r\n"));
        var seen = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!seen.ToString().Contains(path, StringComparison.Ordinal))
        {
            var n = await tunnel.ReadAsync(buffer, timeout.Token);
            Assert.True(n > 0, $"the tunnel ended before the response to {path}: {seen}");
            seen.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public async Task Plaintext_h2c_is_refused_under_strict_and_accepted_under_disable()
    {
        await using var s = await StartAsync();
        var strict = await NodeClientAsync(s, s.Authority, "CONNECT", null, tls: false);
        Assert.Equal(401, strict["status"]!.GetValue<int>());

        s.Mesh.WriteConfig("disable.yaml", Yaml.PeerAuthentication("echo-plaintext", "default", "echo", "DISABLE"));
        JsonObject? result = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            result = await NodeClientAsync(s, s.Authority, "CONNECT", null, tls: false);
            return result["status"]!.GetValue<int>() == 200;
        }, TimeSpan.FromSeconds(15), "plaintext to be accepted");
        Assert.True(result!["body"]!.GetValue<string>().Contains("/through-node"), result.ToJsonString() + s.Mesh.Logs);
    }

    [Fact]
    public async Task The_outbound_side_refuses_a_destination_presenting_the_wrong_spiffe_id()
    {
        // echo-2 runs as sa/echo on node-2; what answers at its address is an impostor with a valid mesh
        // certificate for another identity. node-1's proxy must refuse to tunnel there.
        await using var s = await StartAsync(block =>
            Yaml.Service("echo2", "default", 80, 8080, "echo2") +
            Yaml.Workload("echo-2", "default", "node-2", block.Host(12), "echo2", "echo"));
        var impostorCert = s.Pki.Issue("spiffe://cluster.local/ns/default/sa/impostor");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(s.Mesh.Block.Host(12), 15008));
        listener.Listen();
        var handshakes = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket peer;
                try
                {
                    peer = await listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref handshakes);
                var tls = new SslStream(new NetworkStream(peer, ownsSocket: true));
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = impostorCert,
                        EnabledSslProtocols = SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2],
                    });
                }
                catch (Exception e) when (e is IOException or AuthenticationException)
                {
                }

                await tls.DisposeAsync();
            }
        });

        var client = s.Mesh.Block.Host(11);
        await s.Mesh.WaitListeningAsync(new IPEndPoint(client, 15080));
        var (code, _) = await Curl.RunAsync("--socks5-hostname", $"{client}:15080", "http://echo2.default/");
        Assert.NotEqual(0, code);
        Assert.True(handshakes >= 1, "the proxy never dialled the destination");
        await TestMesh.EventuallyAsync(() => Task.FromResult(s.Mesh.Logs.Contains("it presented spiffe://cluster.local/ns/default/sa/impostor, expected spiffe://cluster.local/ns/default/sa/echo")),
            TimeSpan.FromSeconds(5), "the refusal to be logged");
    }
}
