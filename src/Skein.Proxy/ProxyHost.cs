using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Admin;
using Skein.Proxy.Capture;
using Skein.Proxy.Identity;
using Skein.Proxy.Inbound;
using Skein.Proxy.L7;
using Skein.Proxy.Lifecycle;
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
    /// <remarks>
    /// A generic host, not a WebApplication: the admin API has its own small server (<see cref="AdminServer"/>), so
    /// the node role carries no Kestrel or ASP.NET Core hosting. Gateways and waypoints start a Kestrel server per
    /// bound port themselves (L7/Listeners). Configuration is what WebApplication's slim builder read and the proxy
    /// uses: environment variables, whose <c>Logging__*</c> keys set log levels.
    /// </remarks>
    public static IHost Build(ProxyOptions options)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
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
        services.AddSingleton<IXdsHandler, TrustBundleHandler>();
        services.AddSingleton<ProxyStateStore>();
        services.AddSingleton<XdsStatus>();
        services.AddSingleton<ControlPlaneChannel>();
        services.AddSingleton<WorkloadCertificates>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkloadCertificates>());
        services.AddSingleton<PeakEwmaBalancer>();
        services.AddSingleton<EndpointPicker>();
        services.AddSingleton<MeshTrust>();
        services.AddSingleton<HbonePool>();
        services.AddSingleton<HboneInbound>();
        services.AddSingleton<ConnectionGuard>();
        services.AddSingleton<DestinationResolver>();
        services.AddSingleton<OutboundProxy>();
        services.AddSingleton<UpstreamListeners>();
        services.AddSingleton<IXdsHandler, AddressHandler>();
        services.AddSingleton<IXdsHandler, AuthorizationHandler>();
        services.AddSingleton<IXdsHandler, WorkloadMtlsHandler>();
        services.AddSingleton<ProxyProtocolListener>();
        services.AddSingleton<WorkloadListeners>();
        services.AddSingleton<ListenerRegistry>();
        services.AddSingleton<ListenerHandover>();
        // First of the listeners: the sockets of a running predecessor (an upgrade) arrive before any bind.
        services.AddHostedService(sp => sp.GetRequiredService<ListenerHandover>());
        if (options.Role == "node")
        {
            services.AddSingleton<IDestinationConnector, HboneConnector>();
            services.AddSingleton<IXdsHandler, UpstreamHandler>();
            services.AddHostedService(sp => sp.GetRequiredService<ProxyProtocolListener>());
            services.AddHostedService(sp => sp.GetRequiredService<WorkloadListeners>());
            services.AddTransparentCapture(options);
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
        // Started last, as Kestrel was: the other listeners are up when the admin API answers.
        services.AddSingleton<AdminEndpoints>();
        services.AddHostedService<AdminServer>();
        // Last, so the host stops it first: connections drain while everything else still runs.
        services.AddHostedService<ProxyDrain>();

        // The drain bounds itself (--drain-timeout); the host must not cut it short.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5) + options.DrainTimeout);

        return builder.Build();
    }
}
