using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Admin;
using Skein.Proxy.Capture;
using Skein.Proxy.Identity;
using Skein.Proxy.Inbound;
using Skein.Proxy.L7;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;
using Skein.Proxy.Pool;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;
using Skein.Proxy.Xds;

namespace Skein.Proxy;

/// <summary>Builds a proxy process: xDS client, state, admin API, and the role's data path (node: capture and HBONE; gateway/waypoint: L7).</summary>
public static class ProxyHost
{
    public static WebApplication Build(ProxyOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // ASP.NET Core starts an Activity for every request whenever this category is enabled at any level, and
        // HttpClient then a child one for the forwarded request; it only logs request start and finish (Information).
        // Gateways and waypoints keep their own trace context (RequestTracer), so it is switched off.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // Admin stays on the node's loopback address: it exposes config and must never face the network.
        builder.WebHost.ConfigureKestrel(k =>
        {
            var adminAddress = System.Net.IPAddress.IsLoopback(options.Address) ? options.Address : System.Net.IPAddress.Loopback;
            k.Listen(adminAddress, options.AdminPort, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(options.Address, options.MetricsPort, l => l.Protocols = HttpProtocols.Http1);
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<ProxyStats>();
        services.AddSingleton<TcpMetrics>();
        services.AddSingleton<AccessLogSettings>();
        services.AddSingleton<TracingSettings>();
        services.AddSingleton<AccessLogStreamer>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogStreamer>());
        services.AddSingleton<AccessLog>();
        // Always running: a pushed Telemetry resource may turn text logs on even when the CLI said off.
        services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
        services.AddSingleton<IXdsHandler, TelemetryHandler>();
        services.AddSingleton<ProxyStateStore>();
        services.AddSingleton<XdsStatus>();
        services.AddSingleton<ControlPlaneChannel>();
        services.AddSingleton<WorkloadCertificates>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkloadCertificates>());
        services.AddSingleton<PeakEwmaBalancer>();
        services.AddSingleton<MeshTrust>();
        services.AddSingleton<HbonePool>();
        services.AddSingleton<HboneInbound>();
        services.AddSingleton<DestinationResolver>();
        services.AddSingleton<OutboundProxy>();
        services.AddSingleton<UpstreamListeners>();
        services.AddSingleton<IXdsHandler, AddressHandler>();
        services.AddSingleton<IXdsHandler, AuthorizationHandler>();
        services.AddSingleton<IXdsHandler, WorkloadMtlsHandler>();
        services.AddSingleton<ProxyProtocolListener>();
        services.AddSingleton<WorkloadListeners>();
        if (options.Role == "node")
        {
            services.AddSingleton<IDestinationConnector, HboneConnector>();
            services.AddSingleton<IXdsHandler, UpstreamHandler>();
            services.AddHostedService(sp => sp.GetRequiredService<ProxyProtocolListener>());
            services.AddHostedService(sp => sp.GetRequiredService<WorkloadListeners>());
        }
        else if (L7Services.IsSupported)
        {
            // Gateway and waypoint: no capture listeners; the L7 listeners come from Gateway resources.
            services.AddL7Role();
        }
        else
        {
            throw new NotSupportedException($"this build runs only the node role; run role {options.Role} with `skein proxy --role {options.Role}`");
        }

        services.AddHostedService<XdsClient>();
        services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        AdminEndpoints.Map(app, options);
        return app;
    }
}
