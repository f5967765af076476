using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;

namespace Skein.Proxy.L7.Listeners;

/// <summary>Starts a Kestrel server for one HTTP or HTTPS endpoint, handing every request to the L7 pipeline.</summary>
/// <remarks>
/// HTTPS picks its certificate per handshake from the current configuration (SNI), so certificate and
/// listener changes apply without rebinding; ALPN offers h2 and http/1.1. Cleartext endpoints speak
/// HTTP/1.1: Kestrel needs ALPN to choose between HTTP/1.1 and HTTP/2, so it cannot offer both without TLS.
/// </remarks>
public sealed class HttpEndpointFactory(L7ConfigStore store, GatewayRequestHandler handler, ILoggerFactory loggerFactory)
{
    public async Task<IEndpointServer> StartAsync(IPEndPoint endPoint, BindingKind kind, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(endPoint, listen =>
            {
                listen.Protocols = kind == BindingKind.Https ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                if (kind == BindingKind.Https)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, sni) => store.Current.Bindings.GetValueOrDefault(endPoint)?.CertificateFor(sni),
                    });
                }
            });
        });
        var app = builder.Build();
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
