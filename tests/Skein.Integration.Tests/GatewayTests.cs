using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>One mesh for all gateway tests: control plane, node proxy with echo backends, and a gateway-role proxy.</summary>
public sealed class GatewayMesh : IAsyncLifetime
{
    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    public IPAddress GatewayProxy => Mesh.Block.Host(3);

    public X509Certificate2 ServingCertificate { get; private set; } = null!;

    /// <summary>The certificate of the TLS passthrough backend (terminated by the backend, never by the gateway).</summary>
    public X509Certificate2 BackendCertificate { get; } = SelfSigned("passthrough.example.com");

    private Socket? _tlsBackend;

    private WebApplication? _wsBackend;

    public async Task InitializeAsync()
    {
        var node = Mesh.Block.Host(2);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=secure.example.com", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("secure.example.com");
        request.CertificateExtensions.Add(san.Build());
        ServingCertificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo-v1", "default", 80, 8080, "v1") + Yaml.Service("echo-v2", "default", 80, 8080, "v2") + Yaml.Service("dead", "default", 80, 8080, "dead") +
            Yaml.Workload("echo-v1-1", "default", "node-1", Mesh.Block.Host(10), "v1", "echo") +
            Yaml.Workload("echo-v2-1", "default", "node-1", Mesh.Block.Host(11), "v2", "echo") +
            Yaml.Workload("dead-1", "default", "node-1", Mesh.Block.Host(12), "dead", "echo") +
            Yaml.Service("tls-backend", "default", 443, 8443, "tls") +
            Yaml.Workload("tls-1", "default", "node-1", Mesh.Block.Host(13), "tls", "echo") +
            Yaml.Service("ws-backend", "default", 80, 8080, "ws") +
            Yaml.Workload("ws-1", "default", "node-1", Mesh.Block.Host(14), "ws", "echo"));
        Mesh.WriteConfig("gateway.yaml", GatewayYaml(ServingCertificate, key).Replace("GATEWAY_ADDRESS", GatewayAddress.ToString(), StringComparison.Ordinal));
        _tlsBackend = StartTlsBackend(new IPEndPoint(Mesh.Block.Host(13), 8443));
        _wsBackend = await StartWebSocketBackendAsync(new IPEndPoint(Mesh.Block.Host(14), 8080));
        await Mesh.StartEchoAsync("echo-v1-1", new IPEndPoint(Mesh.Block.Host(10), 8080));
        await Mesh.StartEchoAsync("echo-v2-1", new IPEndPoint(Mesh.Block.Host(11), 8080));
        await Mesh.StartGatewayPathAsync(node, GatewayProxy);
        using var client = Client();
        await Mesh.WaitForRouteAsync(client, Url("/"), "the gateway to route /");
    }

    public Uri Url(string path) => new($"http://{GatewayAddress}:8080{path}");

    /// <summary>A client that sends Host app.example.com and never follows redirects.</summary>
    public HttpClient Client(string host = "app.example.com")
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Host = host;
        return client;
    }

    public async Task<(HttpResponseMessage Response, JsonObject? Echo)> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(Url(path));
        var body = await response.Content.ReadAsStringAsync();
        return (response, response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(body)!.AsObject() : null);
    }

    public async Task DisposeAsync()
    {
        _tlsBackend?.Dispose();
        if (_wsBackend is not null)
        {
            await _wsBackend.DisposeAsync();
        }

        await Mesh.DisposeAsync();
    }

    private static X509Certificate2 SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A WebSocket echo server (the echo sample speaks no WebSocket): each message comes back prefixed.</summary>
    private static Task<WebApplication> StartWebSocketBackendAsync(IPEndPoint endPoint)
    {
        return InProcessServer.StartAsync(endPoint, app =>
        {
            app.UseWebSockets();
            app.Run(async context =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[4096];
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                    {
                        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }

                    var reply = Encoding.UTF8.GetBytes("ws echo: " + Encoding.UTF8.GetString(buffer, 0, received.Count));
                    await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
                }
            });
        });
    }

    /// <summary>A TLS line-echo server standing in for a workload that terminates TLS itself.</summary>
    private Socket StartTlsBackend(IPEndPoint endPoint)
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(endPoint);
        listener.Listen(16);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using var socket = client;
                    try
                    {
                        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = BackendCertificate });
                        using var reader = new StreamReader(tls);
                        var line = await reader.ReadLineAsync();
                        await tls.WriteAsync(Encoding.ASCII.GetBytes($"backend got {line} for {tls.TargetHostName}\n"));
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                    {
                    }
                });
            }
        });
        return listener;
    }

    private static string GatewayYaml(X509Certificate2 certificate, ECDsa key) => """
        apiVersion: v1
        kind: Secret
        metadata: {name: secure-cert, namespace: default}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
            CERTIFICATE_PEM
          tls.key: |
            KEY_PEM
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: skein
          addresses: [{type: IPAddress, value: "GATEWAY_ADDRESS"}]
          listeners:
          - {name: http, port: 8080, protocol: HTTP}
          - name: https
            port: 8443
            protocol: HTTPS
            hostname: secure.example.com
            tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}
          - name: https-other
            port: 8443
            protocol: HTTPS
            hostname: other.example.com
            tls: {mode: Terminate, certificateRefs: [{name: secure-cert}]}
          - name: tcp
            port: 9000
            protocol: TCP
            allowedRoutes: {kinds: [{kind: TCPRoute}]}
          - name: passthrough
            port: 9443
            protocol: TLS
            hostname: "*.example.com"
            tls: {mode: Passthrough}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: app, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: http}]
          hostnames: [app.example.com]
          rules:
          - matches: [{path: {type: PathPrefix, value: /v2}}]
            backendRefs: [{name: echo-v2, port: 80}]
          - matches: [{path: {type: Exact, value: /headers}}]
            filters:
            - type: RequestHeaderModifier
              requestHeaderModifier: {set: [{name: X-Gw, value: "on"}], remove: [X-Drop]}
            - type: ResponseHeaderModifier
              responseHeaderModifier: {add: [{name: X-Resp, value: "added"}]}
            backendRefs: [{name: echo-v1, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /redirect}}]
            filters:
            - type: RequestRedirect
              requestRedirect: {hostname: other.example.com, statusCode: 301}
          - matches: [{path: {type: PathPrefix, value: /old}}]
            filters:
            - type: URLRewrite
              urlRewrite: {hostname: rewritten.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
            backendRefs: [{name: echo-v1, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /split}}]
            backendRefs: [{name: echo-v1, port: 80, weight: 80}, {name: echo-v2, port: 80, weight: 20}]
          - matches: [{path: {type: PathPrefix, value: /retry-refused}}]
            retry: {codes: [503], attempts: 1, backoff: 10ms}
            backendRefs: [{name: dead, port: 80}, {name: echo-v1, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /retry-503}}]
            retry: {codes: [503], attempts: 1, backoff: 10ms}
            backendRefs:
            - name: echo-v1
              port: 80
              filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /status/503}}}]
            - {name: echo-v2, port: 80}
          - matches: [{path: {type: PathPrefix, value: /no-retry-503}}]
            backendRefs:
            - name: echo-v1
              port: 80
              filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /status/503}}}]
          - matches: [{path: {type: PathPrefix, value: /timeout}}]
            # Long enough that the fast request (a new upstream connection right after the slow one was cut) fits on a loaded machine.
            timeouts: {request: 2s}
            backendRefs: [{name: echo-v1, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /h2c}}]
            backendRefs: [{name: echo-h2c, port: 81}]
          - backendRefs: [{name: echo-v1, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: ws, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: http}]
          hostnames: [ws.example.com]
          rules:
          - backendRefs: [{name: ws-backend, port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo-h2c, namespace: default}
        spec:
          selector: {app: v1}
          ports: [{name: grpc, port: 81, targetPort: 8080, appProtocol: kubernetes.io/h2c}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: secure, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: https}]
          rules:
          - backendRefs: [{name: echo-v2, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TLSRoute
        metadata: {name: passthrough, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: passthrough}]
          hostnames: [passthrough.example.com]
          rules:
          - backendRefs: [{name: tls-backend, port: 443}]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: {name: raw, namespace: default}
        spec:
          parentRefs: [{name: gw, sectionName: tcp}]
          rules:
          - backendRefs: [{name: echo-v1, port: 80}]
        ---

        """.Replace("CERTIFICATE_PEM", Indent(certificate.ExportCertificatePem(), 4), StringComparison.Ordinal)
        .Replace("KEY_PEM", Indent(key.ExportPkcs8PrivateKeyPem(), 4), StringComparison.Ordinal);

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Trim().Split('\n').Select((l, i) => (i == 0 ? "" : new string(' ', spaces)) + l));
}

public sealed class GatewayTests(GatewayMesh fixture) : IClassFixture<GatewayMesh>
{
    [Fact]
    public async Task Host_and_path_select_the_route_and_unknown_hosts_get_404()
    {
        using var client = fixture.Client();
        var (root, rootEcho) = await fixture.GetAsync(client, "/anything");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.StartsWith("echo-v1-1", rootEcho!["pod"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("app.example.com", rootEcho["host"]!.GetValue<string>());
        var (_, v2Echo) = await fixture.GetAsync(client, "/v2/x");
        Assert.StartsWith("echo-v2-1", v2Echo!["pod"]!.GetValue<string>(), StringComparison.Ordinal);
        var (v2ish, v2ishEcho) = await fixture.GetAsync(client, "/v2x");
        Assert.StartsWith("echo-v1-1", v2ishEcho!["pod"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, v2ish.StatusCode);

        using var stranger = fixture.Client("nobody.example.org");
        var (missing, _) = await fixture.GetAsync(stranger, "/");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Cleartext_listeners_accept_h2c_prior_knowledge_and_h2c_backends_get_http2()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        client.DefaultRequestHeaders.Host = "app.example.com";
        using var viaH2c = await client.GetAsync(fixture.Url("/v2/h2"));
        Assert.Equal(HttpStatusCode.OK, viaH2c.StatusCode);
        Assert.Equal(new Version(2, 0), viaH2c.Version);

        using var http1 = fixture.Client();
        var (_, echo) = await fixture.GetAsync(http1, "/h2c");
        Assert.Equal("HTTP/2.0", echo!["proto"]!.GetValue<string>());
    }

    [Fact]
    public async Task Header_modifiers_change_what_the_backend_and_the_client_see_and_a_request_id_is_added()
    {
        using var client = fixture.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Url("/headers"));
        request.Headers.Add("X-Drop", "secret");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var response = await client.SendAsync(request);
        var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["headers"]!.AsObject();
        Assert.Equal("on", echo["X-Gw"]![0]!.GetValue<string>());
        Assert.Null(echo["X-Drop"]);
        Assert.NotNull(echo["X-Request-Id"]);
        // The trace continues with the gateway's span as the backend's parent.
        Assert.Matches("^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$", echo["Traceparent"]![0]!.GetValue<string>());
        Assert.Equal(["added"], response.Headers.GetValues("X-Resp"));
    }

    [Fact]
    public async Task Redirect_and_rewrite_follow_the_spec()
    {
        using var client = fixture.Client();
        var (redirect, _) = await fixture.GetAsync(client, "/redirect/page?x=1");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("http://other.example.com:8080/redirect/page?x=1", redirect.Headers.Location!.OriginalString);

        var (rewritten, echo) = await fixture.GetAsync(client, "/old/page?x=1");
        Assert.Equal(HttpStatusCode.OK, rewritten.StatusCode);
        Assert.Equal("/new/page?x=1", echo!["path"]!.GetValue<string>());
        Assert.Equal("rewritten.example.com", echo["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Weighted_backends_share_traffic_roughly_by_weight()
    {
        using var client = fixture.Client();
        var v1 = 0;
        const int N = 200;
        for (var i = 0; i < N; i++)
        {
            var (_, echo) = await fixture.GetAsync(client, "/split");
            v1 += echo!["pod"]!.GetValue<string>().StartsWith("echo-v1", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.InRange(v1 / (double)N, 0.65, 0.93);
    }

    [Fact]
    public async Task Retries_cover_refused_connections_and_retryable_statuses()
    {
        using var client = fixture.Client();
        for (var i = 0; i < 20; i++)
        {
            var (refused, _) = await fixture.GetAsync(client, "/retry-refused");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var (status, echo) = await fixture.GetAsync(client, "/retry-503");
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.StartsWith("echo-v2", echo!["pod"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var (plain, _) = await fixture.GetAsync(client, "/no-retry-503");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, plain.StatusCode);
    }

    [Fact]
    public async Task A_request_timeout_answers_504()
    {
        using var client = fixture.Client();
        var (slow, _) = await fixture.GetAsync(client, "/timeout?delay=5s");
        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        var (fast, _) = await fixture.GetAsync(client, "/timeout");
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
    }

    [Fact]
    public async Task Https_listener_serves_its_certificate_by_sni_and_routes()
    {
        X509Certificate2? presented = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 8443), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate as X509Certificate2;
                    return certificate?.GetCertHashString() == fixture.ServingCertificate.GetCertHashString();
                },
            },
        })
        { DefaultRequestVersion = HttpVersion.Version20 };
        using var response = await client.GetAsync("https://secure.example.com:8443/s");
        var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(presented);
        Assert.StartsWith("echo-v2", echo["pod"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(new Version(2, 0), response.Version);
    }

    [Fact]
    public async Task A_request_for_another_https_listener_on_a_connection_made_for_this_one_gets_421()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 8443));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "secure.example.com",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /x HTTP/1.1\r\nHost: other.example.com\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 421", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSockets_upgrade_through_the_gateway()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, ct) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await tcp.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 8080), ct);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        });
        await socket.ConnectAsync(new Uri("ws://ws.example.com:8080/chat"), invoker, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hi"), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ws echo: hi", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task Tcp_route_copies_bytes_to_the_backend()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 9000));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /raw HTTP/1.1\r\nHost: tcp.example\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("echo-v1-1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_passthrough_routes_by_sni_and_leaves_tls_to_the_backend()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 9443));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        X509Certificate? presented = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "passthrough.example.com",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate;
                return true;
            },
        });
        Assert.Equal(fixture.BackendCertificate.GetCertHashString(), presented!.GetCertHashString());
        await tls.WriteAsync(Encoding.ASCII.GetBytes("hello\n"));
        using var reader = new StreamReader(tls);
        Assert.Equal("backend got hello for passthrough.example.com", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));

        // An SNI no route claims is closed without an answer.
        using var other = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await other.ConnectAsync(new IPEndPoint(fixture.GatewayAddress, 9443));
        await using var refused = new SslStream(new NetworkStream(other, ownsSocket: false));
        await Assert.ThrowsAnyAsync<Exception>(() => refused.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "nobody.example.com",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Requests_are_counted_in_istio_http_metrics()
    {
        using var client = fixture.Client();
        await fixture.GetAsync(client, "/metrics-probe");
        // The gateway records a request once its response is complete, which the client can see first.
        var metrics = "";
        await TestMesh.EventuallyAsync(async () =>
        {
            metrics = await fixture.Mesh.Http.GetStringAsync($"http://{fixture.GatewayProxy}:15020/metrics");
            return metrics.Contains("destination_service=\"echo-v1.default.svc.cluster.local\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "the request to echo-v1 in the gateway's metrics");
        Assert.Contains("istio_requests_total{reporter=\"source\",source_workload=\"gw\"", metrics, StringComparison.Ordinal);
        Assert.Contains("destination_service=\"echo-v1.default.svc.cluster.local\"", metrics, StringComparison.Ordinal);
        Assert.Contains("response_code=\"200\"", metrics, StringComparison.Ordinal);
        Assert.Contains("istio_request_duration_milliseconds_bucket{", metrics, StringComparison.Ordinal);
    }
}
