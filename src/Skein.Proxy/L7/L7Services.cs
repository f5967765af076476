using Microsoft.Extensions.DependencyInjection;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.L7.Observability;
using Skein.Proxy.L7.Resilience;
using Skein.Proxy.Transport;
using Skein.Proxy.Xds;

namespace Skein.Proxy.L7;

/// <summary>Registers the L7 role (gateway or waypoint): Gateway xDS handling, dynamic listeners, routing and YARP forwarding.</summary>
public static class L7Services
{
    private const string Switch = "Skein.Proxy.L7.IsSupported";

    /// <summary>Whether this build carries the gateway and waypoint roles. The ahead-of-time node proxy turns the
    /// switch off at publish time, so the trimmer drops YARP, routing and the L7 listeners from its binary.</summary>
    [System.Diagnostics.CodeAnalysis.FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out var on) || on;

    public static IServiceCollection AddL7Role(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<HboneConnector>();
        services.AddSingleton<IDestinationConnector>(sp => sp.GetRequiredService<HboneConnector>());
        services.AddSingleton<L7ConfigStore>();
        services.AddSingleton<HttpMetrics>();
        services.AddSingleton<HttpRequestLog>();
        services.AddSingleton<RequestTracer>();
        services.AddSingleton<TraceExporter>();
        services.AddHostedService(sp => sp.GetRequiredService<TraceExporter>());
        services.AddSingleton<UpstreamClients>();
        services.AddSingleton<BackendResolver>();
        services.AddSingleton(new ResilienceRegistry(TimeProvider.System));
        services.AddSingleton<MirrorSender>();
        services.AddSingleton<ForwardingPipeline>();
        services.AddSingleton<GatewayRequestHandler>();
        services.AddSingleton<HttpEndpointFactory>();
        services.AddSingleton<StreamEndpointFactory>();
        services.AddSingleton<WaypointInbound>();
        services.AddSingleton<ListenerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ListenerManager>());
        services.AddSingleton<Lifecycle.IGracefulServer>(sp => sp.GetRequiredService<ListenerManager>());
        services.AddSingleton<IXdsHandler, GatewayHandler>();
        return services;
    }
}
