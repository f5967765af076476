using System.Text.Json.Nodes;
using Skein.Proxy.L7.Listeners;
using static Skein.Proxy.Admin.AdminEndpoints;

namespace Skein.Proxy.L7.Configuration;

/// <summary>The L7 part of the admin <c>/config_dump</c>: gateways, bound ports and their listeners, governed services, route entries.</summary>
public static class L7ConfigDump
{
    public static JsonObject Describe(L7ConfigStore store, ListenerManager listeners)
    {
        var config = store.Current;
        return new JsonObject
        {
            ["gateways"] = Array(config.Gateways, g => new JsonObject
            {
                ["name"] = g.Key,
                ["gatewayClass"] = g.Proto.GatewayClass,
                ["identity"] = g.Identity?.ToString(),
                ["listeners"] = Array(g.Proto.Listeners, l => new JsonObject
                {
                    ["name"] = l.Name,
                    ["port"] = l.Port,
                    ["protocol"] = l.Protocol.ToString(),
                    ["hostname"] = l.Hostname,
                    ["service"] = l.Service,
                    ["certificates"] = Strings(l.Certificates.Select(c => c.Source)),
                    ["clientValidation"] = l.ClientValidation is { } v ? (v.AllowInsecureFallback ? "AllowInsecureFallback" : "AllowValidOnly") : null,
                    ["httpRoutes"] = Strings(l.HttpRoutes.Select(r => $"{(r.Kind.Length > 0 ? r.Kind : "HTTPRoute")} {r.Route} rule {r.RuleIndex} [{string.Join(",", r.Hostnames)}] {r.Match?.Path?.Kind} {r.Match?.Path?.Value}")),
                    ["streamRoutes"] = Strings(l.StreamRoutes.Select(r => $"{r.Kind} {r.Route} [{string.Join(",", r.Hostnames)}]")),
                }),
            }),
            ["bound"] = Strings(listeners.Describe()),
            ["governedServicePorts"] = Strings(config.Services.Keys.Order(StringComparer.Ordinal)),
        };
    }
}
