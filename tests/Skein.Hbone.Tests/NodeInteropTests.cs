using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>Interop with Node.js's own HTTP/2 stack (nghttp2 underneath), in both directions, over h2c and mutual TLS 1.3.</summary>
public class NodeInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // ---- (a) Node http2 client -> HboneServerConnection ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Node_client_connect_gets_200_and_its_bytes_echoed(bool tls)
    {
        var result = await RunNodeClientAgainstServerAsync(tls, "x:1", 1 << 20);
        Assert.Equal(200, result.Status);
        Assert.True(result.Match, "echo did not match");
        Assert.Equal(1 << 20, result.Echoed);
        Assert.Equal("CONNECT", result.Request!.Method);
        Assert.Equal("x:1", result.Request.Authority);
        Assert.Equal("k8s.pod.name=node-client", result.Request.GetHeader("baggage"));
        Assert.DoesNotContain(result.Request.Headers, h => h.Key is ":scheme" or ":path");
        if (tls)
        {
            Assert.Equal("CN=hbone-client", result.ClientCertificateSubject);
        }
    }

    [Fact]
    public async Task Node_client_sees_a_rejection_status()
    {
        var result = await RunNodeClientAgainstServerAsync(tls: true, "deny:1", 10);
        Assert.Equal(401, result.Status);
        Assert.Equal("denied by policy", result.Reason);
    }

    private sealed record ClientRun(int Status, bool Match, int Echoed, string? Reason, HboneRequest? Request, string? ClientCertificateSubject);

    private static async Task<ClientRun> RunNodeClientAgainstServerAsync(bool tls, string authority, int payload)
    {
        var certs = TestCertificates.Shared;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        HboneRequest? seen = null;
        string? clientSubject = null;

        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            Stream transport = new NetworkStream(socket, ownsSocket: false);
            if (tls)
            {
                var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(certs.Server, null),
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, cert, _, _) => certs.ValidatePeer(cert),
                });
                Assert.Equal(SslApplicationProtocol.Http2, ssl.NegotiatedApplicationProtocol);
                clientSubject = ssl.RemoteCertificate?.Subject;
                transport = ssl;
            }
            var server = new HboneServerConnection(transport);
            await server.RunAsync(async request =>
            {
                seen = request;
                if (request.Authority == "deny:1")
                {
                    await request.RejectAsync(401, "denied by policy");
                    return;
                }
                await HboneHarness.EchoHandler(request);
            });
        });

        string line;
        await using (var node = NodeProcess.Start("connect-client.js", tls ? "tls" : "h2c", port.ToString(), authority, payload.ToString(), certs.Directory))
        {
            line = await node.WaitForLineAsync("RESULT ", Timeout);
        }
        await serve.WaitAsync(Timeout);

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            throw new Xunit.Sdk.XunitException("node client failed: " + error.GetString());
        }
        return new ClientRun(
            root.GetProperty("status").GetInt32(),
            root.GetProperty("match").GetBoolean(),
            root.GetProperty("echoed").GetInt32(),
            root.GetProperty("reason").ValueKind == JsonValueKind.String ? root.GetProperty("reason").GetString() : null,
            seen,
            clientSubject);
    }

    // ---- (b) HboneClientConnection -> Node http2 CONNECT server ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hbone_client_tunnels_through_a_node_connect_server(bool tls)
    {
        await using var node = NodeProcess.Start("connect-server.js", tls ? "tls" : "h2c", TestCertificates.Shared.Directory);
        var port = int.Parse(await node.WaitForLineAsync("LISTENING ", Timeout));
        await using var client = await ConnectToNodeAsync(port, tls);

        var streams = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            client.OpenTunnelAsync($"10.0.0.{i}:443", [new("baggage", $"k8s.pod.name=hbone-{i}")])));
        await Task.WhenAll(streams.Select(async (stream, i) =>
        {
            Assert.Equal("node", Header(stream, "x-peer"));
            Assert.Equal($"10.0.0.{i}:443", Header(stream, "x-seen-authority"));
            Assert.Equal($"k8s.pod.name=hbone-{i}", Header(stream, "x-seen-baggage"));
            if (tls)
            {
                Assert.Equal("hbone-client", Header(stream, "x-seen-client-cert"));
            }
            var payload = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + i);
            var writer = Task.Run(async () =>
            {
                await stream.WriteAsync(payload);
                stream.CloseWrite();
            });
            var echoed = await HboneHarness.ReadToEndAsync(stream).WaitAsync(Timeout);
            await writer;
            Assert.Equal(payload, echoed);
            await stream.DisposeAsync();
        }));

        await client.ShutdownAsync().WaitAsync(Timeout);
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Node_server_rejection_reaches_the_client_as_HboneConnectException()
    {
        await using var node = NodeProcess.Start("connect-server.js", "h2c");
        var port = int.Parse(await node.WaitForLineAsync("LISTENING ", Timeout));
        await using var client = await ConnectToNodeAsync(port, tls: false);
        var e = await Assert.ThrowsAsync<HboneConnectException>(() => client.OpenTunnelAsync("reject:1"));
        Assert.Equal(503, e.Status);
        Assert.Equal("node says no", e.Reason);

        // The connection is still good afterwards.
        await using var ok = await client.OpenTunnelAsync("ok:1");
        await ok.WriteAsync(new byte[] { 42 });
        ok.CloseWrite();
        Assert.Equal(new byte[] { 42 }, await HboneHarness.ReadToEndAsync(ok).WaitAsync(Timeout));
    }

    private static string? Header(HboneStream stream, string name)
        => stream.ResponseHeaders.FirstOrDefault(h => h.Key == name).Value;

    private static async Task<HboneClientConnection> ConnectToNodeAsync(int port, bool tls)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        Stream transport = new NetworkStream(socket, ownsSocket: true);
        if (tls)
        {
            var certs = TestCertificates.Shared;
            var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "",
                ClientCertificates = new X509CertificateCollection { certs.Client },
                EnabledSslProtocols = SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                RemoteCertificateValidationCallback = (_, cert, _, _) => certs.ValidatePeer(cert),
            });
            Assert.Equal(SslApplicationProtocol.Http2, ssl.NegotiatedApplicationProtocol);
            transport = ssl;
        }
        return await HboneClientConnection.StartAsync(transport);
    }
}
