using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skein.Control.Api;
using Skein.Control.Ca;
using Skein.Control.Compiler;
using Skein.Control.Dashboard;
using Skein.Control.Federation;
using Skein.Control.Sources;
using Skein.Control.Sources.Kubernetes;
using Skein.Control.Store;
using Skein.Control.Telemetry;
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

        Directory.CreateDirectory(options.StateDirectory);
        using (var bootstrapLogs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)))
        {
            var ca = CertificateAuthority.LoadOrCreate(options, bootstrapLogs.CreateLogger("Skein.Control.Ca"));
            builder.Services.AddSingleton(ca);
            // Proxies are handed this file: it is the trust anchor for the control plane and the mesh.
            File.WriteAllText(Path.Combine(options.StateDirectory, "root-cert.pem"), ca.RootPem);
        }

        builder.Services.AddSingleton(JoinTokens.LoadOrCreate(options.StateDirectory));
        builder.Services.AddSingleton<ControlPlaneCertificate>();
        builder.Services.AddSingleton<NodeAuthenticator>();
        builder.Services.AddSingleton<CaStatistics>();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // xDS and the CA speak gRPC over TLS with a certificate from the mesh CA; proxies verify it
            // against the root they were given (no trust on first use) and present their join token.
            var serving = kestrel.ApplicationServices.GetRequiredService<ControlPlaneCertificate>();
            kestrel.Listen(options.Address, options.XdsPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.UseHttps(https =>
                {
                    https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                    https.ServerCertificateSelector = (_, _) => serving.Current;
                });
            });
            kestrel.Listen(options.Address, options.ApiPort, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            if (options.BundlePort > 0)
            {
                kestrel.Listen(options.Address, options.BundlePort, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(https => https.ServerCertificateSelector = (_, _) => serving.Current);
                });
            }

            kestrel.Listen(options.Address, options.MetricsPort, l => l.Protocols = HttpProtocols.Http1);
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ConfigStore>();
        builder.Services.AddSingleton<StoreReadiness>();
        builder.Services.AddSingleton<MeshCompiler>();
        builder.Services.AddSingleton<ResourceStatusView>();
        builder.Services.AddSingleton<ProxyRegistry>();
        if (options.Kubernetes)
        {
            // Connect up front so a bad kubeconfig (or no cluster) is a clear start-up error, not a crashed service.
            builder.Services.AddSingleton<IKubernetesApi>(Sources.Kubernetes.KubernetesClientApi.Connect(options.Kubeconfig));
            builder.Services.AddSingleton<ObservedStatuses>();
            builder.Services.AddHostedService<KubernetesConfigSource>();
            builder.Services.AddHostedService<KubernetesStatusWriter>();
            builder.Services.AddSingleton<ServiceAccountNodeTokens>();
        }
        else
        {
            builder.Services.AddHostedService<FileConfigSource>();
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TopologyAggregator>();
        builder.Services.AddSingleton<TelemetryStatistics>();
        builder.Services.AddSingleton<LocalBundle>();
        builder.Services.AddSingleton<FederatedBundles>();
        builder.Services.AddHostedService<FederationRefresher>();
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = true);
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.Services.GetRequiredService<StoreReadiness>(); // subscribe before the file source's first load
        app.MapGrpcService<DeltaAdsService>().RequireHost($"*:{options.XdsPort}");
        app.MapGrpcService<CertificateService>().RequireHost($"*:{options.XdsPort}");
        app.MapGrpcService<AccessLogReceiver>().RequireHost($"*:{options.XdsPort}");
        RestApi.Map(app, $"*:{options.ApiPort}");
        TelemetryApi.Map(app, $"*:{options.ApiPort}");
        FederationApi.Map(app, $"*:{options.ApiPort}");
        BundleEndpoint.Map(app, [$"*:{options.ApiPort}", .. options.BundlePort > 0 ? [$"*:{options.BundlePort}"] : Array.Empty<string>()]);
        DashboardEndpoints.Map(app, $"*:{options.ApiPort}", DashboardAssets.Load());
        app.MapGet("/metrics", (ProxyRegistry registry, ConfigStore store, CaStatistics ca, TelemetryStatistics telemetry, TopologyAggregator topology) =>
                Results.Text(ControlPlaneMetrics.Render(registry, store, ca, telemetry, topology), "text/plain; version=0.0.4"))
            .RequireHost($"*:{options.MetricsPort}");
        return app;
    }
}
