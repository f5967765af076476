using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.Pool;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;
using Skein.Proxy.Xds;
using GatewayProto = Skein.Core.Protos.Skein.Gateway;

namespace Skein.Unit.Tests.L7;

/// <summary>The gateway's upstream HTTP handlers: one per identity and backend TLS settings, retired when a push stops using them.</summary>
public sealed class UpstreamClientsTests : IDisposable
{
    private static readonly SpiffeId Identity = SpiffeId.Parse("spiffe://cluster.local/ns/infra/sa/gw");
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");
    private readonly UpstreamClients _clients;

    public UpstreamClientsTests()
    {
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var root = new CertificateRequest("CN=test root", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)))
        {
            File.WriteAllText(_root, root.ExportCertificatePem());
        }

        var options = new ProxyOptions { Node = "gateway", Role = "gateway", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _root, Token = "t", AccessLogFormat = "off" };
        var state = new ProxyStateStore();
        var trust = new MeshTrust(options);
        var certificates = new WorkloadCertificates(options, state, new ControlPlaneChannel(options, trust, NullLogger<ControlPlaneChannel>.Instance), trust, new ProxyStats(), NullLogger<WorkloadCertificates>.Instance);
        var connector = new HboneConnector(options, state, certificates, trust, new HbonePool(NullLogger<HbonePool>.Instance), NullLogger<HboneConnector>.Instance);
        // No grace: a retired handler is disposed as the push retires it, so the test sees it happen.
        _clients = new UpstreamClients(connector, state, options) { RetiredClientGrace = TimeSpan.Zero };
    }

    public void Dispose()
    {
        _clients.Dispose();
        File.Delete(_root);
    }

    [Fact]
    public async Task A_push_that_changes_a_backend_ca_or_rotates_the_client_certificate_disposes_the_old_handlers_and_keeps_the_others()
    {
        var before = Runtime(Tls("-----CA one-----"), clientCertificate: null);
        var plain = _clients.For(before);
        var oldCa = _clients.For(before, BackendTlsIn(before));
        _clients.Retain(Config(before));
        Assert.Same(oldCa, _clients.For(before, BackendTlsIn(before)));

        // The policy's CA changes: a new handler for the new settings, the old one disposed; the identity's plain handler stays.
        var newCa = Runtime(Tls("-----CA two-----"), clientCertificate: null);
        _clients.Retain(Config(newCa));
        Assert.True(await IsDisposedAsync(oldCa));
        var current = _clients.For(newCa, BackendTlsIn(newCa));
        Assert.NotSame(oldCa, current);
        Assert.False(await IsDisposedAsync(current));
        Assert.Same(plain, _clients.For(newCa));
        // An in-flight request of the old configuration asking again gets a usable handler, not the disposed one.
        Assert.False(await IsDisposedAsync(_clients.For(before, BackendTlsIn(before))));

        // The Gateway's client certificate rotates: connections presenting the old one are not reused.
        using var certificate = SelfSigned("CN=gateway client");
        var rotated = Runtime(Tls("-----CA two-----"), certificate);
        _clients.Retain(Config(rotated));
        Assert.True(await IsDisposedAsync(current));
        Assert.False(await IsDisposedAsync(_clients.For(rotated, BackendTlsIn(rotated))));

        // The Gateway leaves this proxy: its plain handler goes too.
        _clients.Retain(L7Config.Empty);
        Assert.True(await IsDisposedAsync(plain));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_request_in_flight_on_a_retired_handler_completes_and_later_requests_use_a_new_one(int major)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await StartBackendAsync(major, async context =>
        {
            if (context.Request.Path == "/slow")
            {
                arrived.TrySetResult();
                await release.Task;
            }

            await context.Response.WriteAsync($"done {context.Request.Protocol}");
        });
        var gateway = Runtime(tls: null, clientCertificate: null);
        _clients.Retain(Config(gateway));
        var old = _clients.For(gateway);

        var slow = old.SendAsync(Request(backend.Port, "/slow", major), CancellationToken.None);
        await arrived.Task;
        _clients.Retain(L7Config.Empty);
        Assert.True(await IsDisposedAsync(old));
        release.SetResult();
        using (var response = await slow)
        {
            Assert.Equal($"done HTTP/{major}{(major == 1 ? ".1" : "")}", await response.Content.ReadAsStringAsync());
        }

        _clients.Retain(Config(gateway));
        var fresh = _clients.For(gateway);
        Assert.NotSame(old, fresh);
        using var next = await fresh.SendAsync(Request(backend.Port, "/", major), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static GatewayRuntime Runtime(BackendTls? tls, X509Certificate2? clientCertificate)
    {
        var proto = new GatewayProto { Namespace = "infra", Name = "gw", Identity = Identity.ToString() };
        var route = new HttpRoute { Route = "infra/r", Kind = "HTTPRoute" };
        var backend = new BackendRef { Service = "infra/svc", Port = 443, Tls = tls };
        // The policy's settings reach the handler through a mirror filter as well as a backendRef.
        route.Filters.Add(new HttpFilter { RequestMirror = new RequestMirror { Backend = backend.Clone() } });
        route.Backends.Add(new WeightedBackend { Backend = backend, Weight = 1 });
        var listener = new Listener { Name = "http", Port = 80, Protocol = ListenerProtocol.Http };
        listener.HttpRoutes.Add(route);
        proto.Listeners.Add(listener);
        return new GatewayRuntime(proto, Identity) { BackendClientCertificate = clientCertificate };
    }

    private static BackendTls Tls(string caBundle) =>
        new() { Policy = "infra/p", ServerName = "svc.example.com", CaBundlePem = caBundle, DnsNames = { "svc.example.com" } };

    private static BackendTls BackendTlsIn(GatewayRuntime gateway) => gateway.Proto.Listeners[0].HttpRoutes[0].Backends[0].Backend.Tls;

    private static L7Config Config(GatewayRuntime gateway) => new([gateway], new Dictionary<IPEndPoint, PortBinding>());

    private static HttpRequestMessage Request(int port, string path, int major) =>
        new(HttpMethod.Get, $"http://127.0.0.1:{port}{path}") { Version = new Version(major, major == 1 ? 1 : 0), VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private static async Task<bool> IsDisposedAsync(HttpMessageInvoker client)
    {
        try
        {
            // A disposed handler refuses before it connects; a live one fails to connect to the closed port 1.
            (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/"), CancellationToken.None)).Dispose();
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
    }

    private static async Task<Backend> StartBackendAsync(int major, RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = major == 2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return new Backend(app, new Uri(app.Urls.Single()).Port);
    }

    private sealed record Backend(WebApplication App, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
