using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Skein.Samples.Echo.Grpc.Contract;

namespace Skein.Samples.Tests;

/// <summary>The echo's retry simulation, WebSocket endpoint, and its gRPC and TCP modes (the conformance contract).</summary>
public sealed class EchoModeTests
{
    [Fact]
    public async Task RetrySimulationFailsTheFirstRequestsOfAUuidThenEchoes()
    {
        using var http = TestHttp.NewClient();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", [], new Dictionary<string, string> { ["POD_NAME"] = "infra-backend-v3-0" });
        await echo.WaitHealthyAsync(http);
        var url = $"{echo.BaseUrl}/retry?responseCode=503&succeedAfter=2&uuid=one";

        Assert.Equal(503, (await http.GetJsonAsync(url)).Status);
        Assert.Equal(503, (await http.GetJsonAsync(url)).Status);
        var (status, body) = await http.GetJsonAsync(url);
        Assert.Equal(200, status);
        Assert.Equal("infra-backend-v3-0", (string?)body["pod"]);
        // Another uuid counts on its own.
        Assert.Equal(503, (await http.GetJsonAsync($"{echo.BaseUrl}/retry?responseCode=503&succeedAfter=1&uuid=two")).Status);
    }

    [Fact]
    public async Task RetrySimulationWithoutResponseCodeResetsTheConnection()
    {
        using var http = TestHttp.NewClient();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", []);
        await echo.WaitHealthyAsync(http);
        var url = $"{echo.BaseUrl}/retry?succeedAfter=1&uuid=reset";

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));
        Assert.Equal(200, (await http.GetJsonAsync(url)).Status);
    }

    [Fact]
    public async Task WebSocketMessagesComeBackUnchanged()
    {
        using var http = TestHttp.NewClient();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", []);
        await echo.WaitHealthyAsync(http);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(echo.BaseUrl.Replace("http://", "ws://") + "/ws"), CancellationToken.None);

        await socket.SendAsync(Encoding.UTF8.GetBytes("Websocket Support!"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var text = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Text, text.MessageType);
        Assert.Equal("Websocket Support!", Encoding.UTF8.GetString(buffer, 0, text.Count));

        await socket.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var binary = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Binary, binary.MessageType);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, buffer[..binary.Count]);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task GrpcModeDescribesTheCallAndLeavesEchoThreeUnimplemented()
    {
        using var http = TestHttp.NewClient();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", ["--mode", "grpc"], new Dictionary<string, string>
        {
            ["NAMESPACE"] = "grpc-ns",
            ["POD_NAME"] = "grpc-backend-v1-0",
        });
        await echo.WaitHealthyAsync(http);
        using var channel = GrpcChannel.ForAddress(echo.BaseUrl);
        var client = new GrpcEcho.GrpcEchoClient(channel);

        var reply = await client.EchoTwoAsync(new EchoRequest(), new Metadata { { "x-version", "two" } });
        Assert.Equal("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo", reply.Assertions.FullyQualifiedMethod);
        Assert.Equal("grpc-ns", reply.Assertions.Context.Namespace);
        Assert.Equal("grpc-backend-v1-0", reply.Assertions.Context.Pod);
        Assert.Equal(new Uri(echo.BaseUrl).Authority, reply.Assertions.Authority);
        Assert.Contains(reply.Assertions.Headers, h => h.Key == "x-version" && h.Value == "two");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoThreeAsync(new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task TcpModeSpeaksTheLineProtocolInPlaintextAndOverTls()
    {
        var tlsPort = FreePort();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", ["--mode", "tcp", "--listen", $"127.0.0.1:{tlsPort}", "--tls-port", tlsPort.ToString()],
            new Dictionary<string, string> { ["NAMESPACE"] = "tcp-ns", ["POD_NAME"] = "tcp-backend-0" });
        var plain = new Uri(echo.BaseUrl).Port;

        var (welcome, answers) = await ConverseAsync(plain, tls: false, echo);
        Assert.Equal("Gateway API Test TCP Server", welcome);
        Assert.Equal("PONG", answers[0]);
        Assert.Equal("false", answers[1]);
        var test = JsonNode.Parse(answers[2])!.AsObject();
        Assert.Equal("tcp-backend-0", (string?)test["pod"]);
        Assert.Equal("tcp-ns", (string?)test["namespace"]);

        var (_, overTls) = await ConverseAsync(tlsPort, tls: true, echo);
        Assert.Equal(["PONG", "true"], overTls[..2]);
    }

    [Fact]
    public async Task HttpModeServesTlsPortsWithTheGivenCertificateAndReportsSniAndTheClientCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        var dir = Directory.CreateTempSubdirectory("echo-tls-").FullName;
        try
        {
            // The CA doubles as the serving certificate and as the client certificate it trusts: enough for the echo's contract.
            await File.WriteAllTextAsync(Path.Combine(dir, "crt"), ca.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "key"), key.ExportPkcs8PrivateKeyPem());
            var tlsPort = FreePort();
            using var echo = SampleProcess.Start("Skein.Samples.Echo", ["--listen", $"127.0.0.1:{tlsPort}", "--tls-port", tlsPort.ToString(),
                "--tls-cert", Path.Combine(dir, "crt"), "--tls-key", Path.Combine(dir, "key"), "--tls-client-ca", Path.Combine(dir, "crt")],
                new Dictionary<string, string> { ["NAMESPACE"] = "infra", ["POD_NAME"] = "tls-backend-0" });
            using (var plain = TestHttp.NewClient())
            {
                await echo.WaitHealthyAsync(plain);
            }

            using var client = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
                ca.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
            using var handler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [client] },
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(IPAddress.Loopback, tlsPort, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var http = new HttpClient(handler);

            var body = JsonNode.Parse(await http.GetStringAsync(new Uri($"https://abc.example.com:{tlsPort}/tls")))!;

            Assert.Equal("abc.example.com", (string?)body["tls"]?["serverName"]);
            Assert.Equal(ca.ExportCertificatePem().Trim(), ((string?)body["tls"]?["peerCertificates"]?[0])?.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(string? Welcome, string[] Answers)> ConverseAsync(int port, bool tls, SampleProcess echo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                Stream stream = client.GetStream();
                if (tls)
                {
                    var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                    await ssl.AuthenticateAsClientAsync("tcp.example");
                    stream = ssl;
                }

                using var reader = new StreamReader(stream);
                var welcome = await reader.ReadLineAsync();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\nIS_TLS\nTEST\n"));
                return (welcome, [(await reader.ReadLineAsync())!, (await reader.ReadLineAsync())!, (await reader.ReadLineAsync())!]);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !echo.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
