using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skein.Control.Api;
using Skein.Control.Compiler;
using Skein.Control.Sources;
using Skein.Control.Store;
using Skein.Control.Xds;

namespace Skein.Control;

/// <summary>Builds and runs the control plane process: store, file source, compiler, xDS server, REST API.</summary>
public static class ControlPlaneHost
{
    public static WebApplication Build(ControlPlaneOptions options, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // xDS speaks gRPC: HTTP/2 only. TLS with the mesh CA arrives with the secure-overlay work.
            kestrel.Listen(options.Address, options.XdsPort, l => l.Protocols = HttpProtocols.Http2);
            kestrel.Listen(options.Address, options.ApiPort, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.Listen(options.Address, options.MetricsPort, l => l.Protocols = HttpProtocols.Http1);
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ConfigStore>();
        builder.Services.AddSingleton<StoreReadiness>();
        builder.Services.AddSingleton<MeshCompiler>();
        builder.Services.AddSingleton<ProxyRegistry>();
        builder.Services.AddHostedService<FileConfigSource>();
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = true);
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.Services.GetRequiredService<StoreReadiness>(); // subscribe before the file source's first load
        app.MapGrpcService<DeltaAdsService>().RequireHost($"*:{options.XdsPort}");
        RestApi.Map(app, $"*:{options.ApiPort}");
        app.MapGet("/metrics", (ProxyRegistry registry, ConfigStore store) => Results.Text(ControlPlaneMetrics.Render(registry, store), "text/plain; version=0.0.4"))
            .RequireHost($"*:{options.MetricsPort}");
        return app;
    }
}
