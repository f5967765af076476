using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners.Transport;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>Starts a Kestrel server for one HTTP or HTTPS endpoint, handing every request to the L7 pipeline.</summary>
/// <remarks>
/// HTTPS picks its certificate (with its intermediates) and client certificate validation per handshake from
/// the current configuration (SNI), so certificate and listener changes apply without rebinding; the options are
/// built once per listener configuration (<see cref="ServerTlsOptions"/>); ALPN offers h2 and http/1.1. Cleartext endpoints serve HTTP/1.1 and h2c with prior knowledge: Kestrel needs ALPN to choose between them, so a connection middleware peeks
/// for the HTTP/2 preface and hands such connections to a second, HTTP/2-only endpoint of the same server.
/// </remarks>
public sealed class HttpEndpointFactory(L7ConfigStore store, GatewayRequestHandler handler, ILoggerFactory loggerFactory, ProxyStats stats)
{
    private readonly ServerTlsOptions _tls = new(store, stats);

    public async Task<IEndpointServer> StartAsync(IPEndPoint endPoint, BindingKind kind, CancellationToken ct)
    {
        var injected = new InjectedConnectionListenerFactory();
        var h2c = new InjectedEndPoint($"{endPoint}/h2c");
        var app = CreateApp(injected, loggerFactory, k =>
        {
            k.Listen(endPoint, listen =>
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
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new KestrelEndpoint(app, kind);
    }

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
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            listen(k);
        });
        return builder.Build();
    }

    private sealed class KestrelEndpoint(WebApplication app, BindingKind kind) : IEndpointServer
    {
        public BindingKind Kind => kind;

        public async ValueTask DisposeAsync()
        {
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await app.StopAsync(drain.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await app.DisposeAsync();
        }
    }
}

/// <summary>The SNI a TLS connection was opened with, on the connection's features.</summary>
public sealed record ServerNameFeature(string HostName, ClientCertificateValidator? Validation = null);
