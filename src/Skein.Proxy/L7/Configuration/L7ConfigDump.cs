using Skein.Proxy.L7.Listeners;

namespace Skein.Proxy.L7.Configuration;

/// <summary>The L7 part of the admin <c>/config_dump</c>: gateways, bound ports and their listeners, governed services, route entries.</summary>
public static class L7ConfigDump
{
    public static object Describe(L7ConfigStore store, ListenerManager listeners)
    {
        var config = store.Current;
        return new
        {
            gateways = config.Gateways.Select(g => new
            {
                name = g.Key,
                gatewayClass = g.Proto.GatewayClass,
                identity = g.Identity?.ToString(),
                listeners = g.Proto.Listeners.Select(l => new
                {
                    name = l.Name,
                    port = l.Port,
                    protocol = l.Protocol.ToString(),
                    hostname = l.Hostname,
                    service = l.Service,
                    certificates = l.Certificates.Select(c => c.Source),
                    clientValidation = l.ClientValidation is { } v ? (v.AllowInsecureFallback ? "AllowInsecureFallback" : "AllowValidOnly") : null,
                    httpRoutes = l.HttpRoutes.Select(r => $"{(r.Kind.Length > 0 ? r.Kind : "HTTPRoute")} {r.Route} rule {r.RuleIndex} [{string.Join(",", r.Hostnames)}] {r.Match?.Path?.Kind} {r.Match?.Path?.Value}"),
                    streamRoutes = l.StreamRoutes.Select(r => $"{r.Kind} {r.Route} [{string.Join(",", r.Hostnames)}]"),
                }),
            }),
            bound = listeners.Describe(),
            governedServicePorts = config.Services.Keys.Order(StringComparer.Ordinal),
        };
    }
}
