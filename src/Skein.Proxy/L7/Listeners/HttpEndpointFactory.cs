using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Capture;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners.Transport;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>Starts a Kestrel server for one HTTP or HTTPS endpoint, handing every request to the L7 pipeline.</summary>
/// <remarks>
/// HTTPS picks its certificate (with its intermediates) and client certificate validation per handshake from
/// the current configuration (SNI), so certificate and listener changes apply without rebinding; the options are
/// built once per listener configuration (<see cref="ServerTlsOptions"/>); ALPN offers h2 and http/1.1. Cleartext endpoints serve HTTP/1.1 and h2c with prior knowledge: Kestrel needs ALPN to choose between them, so a connection middleware peeks
/// for the HTTP/2 preface and hands such connections to a second, HTTP/2-only endpoint of the same server.
/// The listening socket is not Kestrel's: it comes from <see cref="ListenerRegistry"/> (bound here, or handed over by the
/// process being upgraded), whose accept loop gives each socket to Kestrel as a connection of Kestrel's own socket
/// transport (<see cref="SocketConnectionContextFactory"/>). Kestrel cannot stop accepting on a socket without closing it
/// for every process holding it, nor hold accepting back until the process has its config; the registry does both.
/// </remarks>
public sealed class HttpEndpointFactory(L7ConfigStore store, GatewayRequestHandler handler, ListenerRegistry registry, ILoggerFactory loggerFactory, ProxyStats stats) : IDisposable
{
    /// <summary>The hand-over kind of gateway listeners (HTTP, HTTPS, TLS passthrough and TCP alike): a port may change protocol between two processes' configs.</summary>
    public const string ListenerKind = "l7";

    private readonly ServerTlsOptions _tls = new(store, stats);
    private readonly SocketConnectionContextFactory _sockets = new(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<HttpEndpointFactory>());
    private readonly ILogger _logger = loggerFactory.CreateLogger<HttpEndpointFactory>();

    public async Task<IEndpointServer> StartAsync(IPEndPoint endPoint, BindingKind kind, CancellationToken ct)
    {
        var injected = new InjectedConnectionListenerFactory();
        var accepted = new InjectedEndPoint(endPoint.ToString());
        var h2c = new InjectedEndPoint($"{endPoint}/h2c");
        var app = CreateApp(injected, loggerFactory, k =>
        {
            k.Listen(accepted, listen =>
            {
                if (kind == BindingKind.Https)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = context => ValueTask.FromResult(HandshakeOptions(endPoint, context)),
                    });
                    return;
                }

                // Cleartext: HTTP/1.1 here; a connection opening with the HTTP/2 preface moves to the h2c endpoint.
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(next => async connection =>
                {
                    bool prefaced;
                    try
                    {
                        prefaced = await Http2Preface.DetectAsync(connection.Transport.Input, connection.ConnectionClosed);
                    }
                    catch (OperationCanceledException) when (connection.ConnectionClosed.IsCancellationRequested)
                    {
                        // The client left before sending a byte (a health probe, a port scan): nothing to answer or log.
                        return;
                    }

                    if (prefaced)
                    {
                        var handoff = new StreamConnection(connection.Transport, connection.LocalEndPoint, connection.RemoteEndPoint);
                        if (injected.TryInject(h2c, handoff))
                        {
                            await handoff.Completion;
                            return;
                        }
                    }

                    await next(connection);
                });
            });
            if (kind == BindingKind.Http)
            {
                k.Listen(h2c, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
        app.Run(context => handler.HandleAsync(context, endPoint));
        try
        {
            // Kestrel first, so the first accepted socket finds it listening.
            await app.StartAsync(ct);
            var handedToKestrel = new StrongBox<long>();
            var listener = registry.Start(ListenerKind, endPoint, (socket, token) => ServeAsync(socket, injected, accepted, handedToKestrel, token), _logger, exclusive: true);
            return new KestrelEndpoint(app, listener, handedToKestrel, kind);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Gives one accepted socket to Kestrel and holds it (counted by the registry) until Kestrel is done with it; a cut aborts it.</summary>
    private async Task ServeAsync(System.Net.Sockets.Socket socket, InjectedConnectionListenerFactory injected, InjectedEndPoint endPoint, StrongBox<long> handedToKestrel, CancellationToken ct)
    {
        AcceptedConnection connection;
        bool taken;
        try
        {
            connection = new AcceptedConnection(_sockets.Create(socket));
            taken = injected.TryInject(endPoint, connection);
        }
        finally
        {
            Interlocked.Increment(ref handedToKestrel.Value);
        }

        if (!taken)
        {
            await connection.DisposeAsync();
            return;
        }

        using (ct.Register(static c => ((AcceptedConnection)c!).Abort(new ConnectionAbortedException("drain deadline")), connection))
        {
            await connection.Completion;
        }
    }

    public void Dispose() => _sockets.Dispose();

    /// <summary>
    /// The TLS options of one handshake, from the current configuration: the SNI selects the listener, whose
    /// certificate is presented with its chain, and whose client certificate validation (if any) asks the
    /// client for a certificate and judges it. A handshake for no known listener fails (no certificate).
    /// </summary>
    private SslServerAuthenticationOptions HandshakeOptions(IPEndPoint endPoint, TlsHandshakeCallbackContext context)
    {
        var sni = context.ClientHelloInfo.ServerName;
        var (listener, options) = _tls.For(endPoint, sni);
        // Kept for the requests on this connection: a Host for another listener is misdirected (421), and so is one
        // for a listener whose client-certificate validation this handshake did not apply.
        context.Connection.Features.Set(new ServerNameFeature(sni ?? "", listener?.ClientValidation));
        return options ?? throw new AuthenticationException($"no HTTPS listener on {endPoint} has a certificate for \"{sni}\"");
    }

    /// <summary>A Kestrel server of its own (sockets plus injected connections) sharing the proxy's logging.</summary>
    public static WebApplication CreateApp(InjectedConnectionListenerFactory injected, ILoggerFactory loggerFactory, Action<KestrelServerOptions> listen)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IConnectionListenerFactory>(injected);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedServerLifetime>();
        // A drain bounds the graceful stop itself (--drain-timeout), past the host's default 30 s.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            listen(k);
        });
        return builder.Build();
    }

    private sealed class KestrelEndpoint(WebApplication app, SocketListener listener, StrongBox<long> handedToKestrel, BindingKind kind) : IEndpointServer
    {
        public BindingKind Kind => kind;

        public async Task StopGracefullyAsync(CancellationToken cut)
        {
            try
            {
                // Kestrel takes no connection once stopping: let every socket accepted before the listener stopped reach it
                // first (their handlers run on their own tasks), or they would be closed unanswered.
                using (var arriving = CancellationTokenSource.CreateLinkedTokenSource(cut))
                {
                    arriving.CancelAfter(TimeSpan.FromSeconds(2));
                    while (Interlocked.Read(ref handedToKestrel.Value) < listener.Accepted && !arriving.IsCancellationRequested)
                    {
                        await Task.Delay(5, CancellationToken.None);
                    }
                }

                await app.StopAsync(cut);
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>The listener left the config: stop accepting, give its connections Kestrel's graceful stop (5 s), close.</summary>
        public async ValueTask DisposeAsync()
        {
            await listener.StopAcceptingAsync();
            using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                await StopGracefullyAsync(drain.Token);
            }

            listener.CutConnections();
            await app.DisposeAsync();
        }
    }
}

/// <summary>The SNI a TLS connection was opened with, on the connection's features.</summary>
public sealed record ServerNameFeature(string HostName, ClientCertificateValidator? Validation = null);
