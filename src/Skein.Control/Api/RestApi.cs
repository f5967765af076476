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
                proxies = registry.Connected.Select(p =>
                {
                    var counters = p.Counters();
                    return new
                    {
                        id = p.Id,
                        node = p.Node,
                        role = p.Role,
                        peer = p.Peer,
                        connectedAt = p.ConnectedAt,
                        configVersion = counters.ConfigVersion,
                        pushes = counters.Pushes,
                        resourcesSent = counters.ResourcesSent,
                        removals = counters.Removals,
                        acks = counters.Acks,
                        nacks = counters.Nacks,
                        lastNack = counters.LastNack,
                        lastNackAt = counters.LastNackAt,
                    };
                }),
            })).RequireHost(host);
    }
}
