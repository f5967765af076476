using Microsoft.Extensions.DependencyInjection;
using Skein.Proxy.Inbound;

namespace Skein.Proxy.Capture;

/// <summary>Registers transparent capture for the node role when <see cref="ProxyOptions.Capture"/> asks for it.</summary>
public static class CaptureServices
{
    public static IServiceCollection AddTransparentCapture(this IServiceCollection services, ProxyOptions options)
    {
        if (options.Capture == CaptureMode.None)
        {
            return services;
        }

        services.AddSingleton<CapturedOutbound>();
        services.AddSingleton<InboundPlaintext>();
        services.AddSingleton<CaptureListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<CaptureListeners>());
        if (options.Capture == CaptureMode.Nftables)
        {
            // After the listeners: nothing is redirected to a port not yet listening.
            services.AddHostedService<NftablesCapture>();
        }

        return services;
    }
}
