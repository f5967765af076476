using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Skein.Control.Store;
using Skein.Control.Xds;
using Skein.Core.Configuration;

namespace Skein.Control.Api;

/// <summary>The control plane's REST API: resources, config errors, connected proxies, health.</summary>
public static class RestApi
{
    public static void Map(IEndpointRouteBuilder app, string host)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n")).RequireHost(host);
        app.MapGet("/readyz", (StoreReadiness readiness) =>
            readiness.IsReady ? Results.Text("ready\n") : Results.Text("config not loaded yet\n", statusCode: 503)).RequireHost(host);

        app.MapGet("/api/v1/resources", (ConfigStore store, ResourceStatusView view, string? kind, string? @namespace, string? name) =>
        {
            var snapshot = store.Current;
            var items = view.Render(snapshot, r =>
                    (kind is null || string.Equals(r.Kind, kind, StringComparison.OrdinalIgnoreCase))
                    && (@namespace is null || r.Metadata.Namespace == @namespace)
                    && (name is null || r.Metadata.Name == name))
                .ToList();
            // Items are already shaped by ResourceJson; the envelope keeps "items" even when empty.
            return Results.Json(new { version = snapshot.Version, items });
        }).RequireHost(host);

        app.MapGet("/api/v1/config-errors", (ConfigStore store) =>
            Results.Json(new
            {
                version = store.Current.Version,
                errors = store.Current.Errors.Select(e => new { file = e.File, line = e.Line, column = e.Column, field = e.Field, message = e.Message, text = e.ToString() }),
            })).RequireHost(host);

        app.MapGet("/api/v1/proxies", (ProxyRegistry registry, ConfigStore store) =>
            Results.Json(new
            {
                configVersion = store.Current.Version,
                totalNacks = registry.TotalNacks,
                proxies = registry.Connected.Select(p => (Proxy: p, Counters: p.Counters())).Select(p => new
                {
                    id = p.Proxy.Id,
                    node = p.Proxy.Node,
                    role = p.Proxy.Role,
                    peer = p.Proxy.Peer,
                    connectedAt = p.Proxy.ConnectedAt,
                    configVersion = p.Counters.ConfigVersion,
                    pushes = p.Counters.Pushes,
                    resourcesSent = p.Counters.ResourcesSent,
                    removals = p.Counters.Removals,
                    acks = p.Counters.Acks,
                    nacks = p.Counters.Nacks,
                    lastNack = p.Counters.LastNack,
                    lastNackAt = p.Counters.LastNackAt,
                }),
            })).RequireHost(host);
    }
}
