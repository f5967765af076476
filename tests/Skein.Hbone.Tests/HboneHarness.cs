using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>A client and a server HBONE connection joined by a loopback TCP socket, optionally under mutual TLS 1.3 with ALPN h2.</summary>
public sealed class HboneHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromMinutes(2));

    private HboneHarness(HboneClientConnection client, HboneServerConnection server, Task serverRun)
    {
        Client = client;
        Server = server;
        ServerRun = serverRun;
    }

    public HboneClientConnection Client { get; }

    public HboneServerConnection Server { get; }

    /// <summary>The server's RunAsync task.</summary>
    public Task ServerRun { get; }

    public SslStream? ServerTls { get; private set; }

    public static async Task<HboneHarness> StartAsync(Func<HboneRequest, Task> onRequest, bool tls = false,
        HboneConnectionOptions? clientOptions = null, HboneConnectionOptions? serverOptions = null)
    {
        var (clientTransport, serverTransport) = await ConnectAsync(tls);
        var server = new HboneServerConnection(serverTransport, serverOptions);
        var run = server.RunAsync(onRequest);
        var client = await HboneClientConnection.StartAsync(clientTransport, clientOptions);
        return new HboneHarness(client, server, run) { ServerTls = serverTransport as SslStream };
    }

    /// <summary>A connected pair of transports: plain sockets for h2c, or SslStreams after a TLS 1.3 handshake with ALPN h2.</summary>
    public static async Task<(Stream Client, Stream Server)> ConnectAsync(bool tls)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await clientSocket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var serverSocket = await accept;
        serverSocket.NoDelay = true;
        Stream client = new NetworkStream(clientSocket, ownsSocket: true);
        Stream server = new NetworkStream(serverSocket, ownsSocket: true);
        if (!tls)
        {
            return (client, server);
        }

        var certs = TestCertificates.Shared;
        var clientTls = new SslStream(client, leaveInnerStreamOpen: false);
        var serverTls = new SslStream(server, leaveInnerStreamOpen: false);
        var serverAuth = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certs.Server, null),
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = (_, cert, _, _) => certs.ValidatePeer(cert),
        });
        // HBONE sends no SNI: the target host is left empty.
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            ClientCertificates = [certs.Client],
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, cert, _, _) => certs.ValidatePeer(cert),
        });
        await serverAuth;
        Assert.Equal(SslApplicationProtocol.Http2, clientTls.NegotiatedApplicationProtocol);
        Assert.Equal(SslProtocols.Tls13, clientTls.SslProtocol);
        return (clientTls, serverTls);
    }

    /// <summary>Accepts every CONNECT and echoes bytes until the client half-closes, then half-closes back.</summary>
    public static async Task EchoHandler(HboneRequest request)
    {
        using var stream = await request.AcceptAsync();
        await EchoAsync(stream);
    }

    public static async Task EchoAsync(HboneStream stream)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, n));
            }
            stream.CloseWrite();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Reads until end of stream.</summary>
    public static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var output = new MemoryStream();
        await stream.CopyToAsync(output, cancellationToken);
        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        await ServerRun.WaitAsync(TimeSpan.FromSeconds(30));
        _cts.Dispose();
    }
}
