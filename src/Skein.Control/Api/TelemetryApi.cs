using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Skein.Control.Ca;
using Skein.Control.Store;
using Skein.Control.Telemetry;
using Skein.Core.Resources;

namespace Skein.Control.Api;

/// <summary>The observability API the dashboard and the CLI read: topology, a service's detail, certificates, explanations.</summary>
public static class TelemetryApi
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    public static void Map(IEndpointRouteBuilder app, string host)
    {
        app.MapGet("/api/v1/topology", (TopologyAggregator topology, string? window) =>
            TopologyAggregator.ParseWindow(window) is { } w
                ? Results.Json(topology.Snapshot(w), Json)
                : BadWindow(window)).RequireHost(host);

        app.MapGet("/api/v1/services/{ns}/{name}", (TopologyAggregator topology, ConfigStore store, string ns, string name, string? window) =>
        {
            if (TopologyAggregator.ParseWindow(window) is not { } w)
            {
                return BadWindow(window);
            }

            var snapshot = store.Current;
            var service = snapshot.OfType<ServiceResource>().FirstOrDefault(s => s.Metadata.Namespace == ns && s.Metadata.Name == name);
            if (service is null)
            {
                return Results.Json(new { error = $"no Service {ns}/{name}" }, statusCode: 404);
            }

            var selector = service.Spec.Selector ?? [];
            var endpoints = snapshot.OfType<WorkloadResource>()
                .Where(wl => wl.Metadata.Namespace == ns && selector.Count > 0 && selector.All(l => (wl.Metadata.Labels ?? []).GetValueOrDefault(l.Key) == l.Value))
                .Select(wl => new { workload = $"{ns}/{wl.Metadata.Name}", address = wl.Spec.Addresses.FirstOrDefault(), node = wl.Spec.Node })
                .ToList();
            var routes = snapshot.Resources.Values
                .Where(r => r.Kind is "HTTPRoute" or "GRPCRoute" or "TCPRoute" or "TLSRoute" && References(r, ns, name))
                .Select(r => $"{r.Kind} {r.Metadata.Namespace}/{r.Metadata.Name}").ToList();
            var policies = snapshot.Resources.Values
                .Where(r => r.Kind is "AuthorizationPolicy" or "PeerAuthentication" or "TrafficPolicy" && r.Metadata.Namespace == ns && AppliesTo(r, service, ns, name))
                .Select(r => $"{r.Kind} {r.Metadata.Namespace}/{r.Metadata.Name}").ToList();
            return Results.Json(new
            {
                service = $"{ns}/{name}",
                endpoints,
                routes,
                policies,
                series = topology.Series($"service:{ns}/{name}", w),
            }, Json);
        }).RequireHost(host);

        app.MapGet("/api/v1/certificates", (CaStatistics ca) =>
            Results.Json(new { items = ca.Certificates.Select(c => new { identity = c.Identity, node = c.Node, notAfter = c.NotAfter }) }, Json)).RequireHost(host);

        app.MapGet("/api/v1/explain", (TopologyAggregator topology, ConfigStore store, string? requestId, string? source, string? destination) =>
        {
            if (!string.IsNullOrEmpty(requestId))
            {
                return Results.Json(Explainer.ForRequest(requestId, topology.Recent.WithRequestId(requestId), store.Current), Json);
            }

            if (string.IsNullOrEmpty(source) && string.IsNullOrEmpty(destination))
            {
                return Results.Json(new { error = "give ?requestId=ID, or ?source=WORKLOAD&destination=SERVICE (either side may be omitted, not both)" }, statusCode: 400);
            }

            return Results.Json(Explainer.ForPair(source, destination, topology.Recent.Between(source, destination), store.Current), Json);
        }).RequireHost(host);
    }

    private static IResult BadWindow(string? window) =>
        Results.Json(new { error = $"window \"{window}\" is not one of 1m, 5m, 15m, 1h (or Ns/Nm/Nh between 10s and 1h)" }, statusCode: 400);

    /// <summary>Whether a route's backendRefs or parentRefs name the service (read from its JSON form, whatever the route kind).</summary>
    private static bool References(Resource route, string ns, string name)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(route, route.GetType(), Core.Configuration.ResourceJson.Options);
        var text = json?["spec"]?.ToJsonString() ?? "";
        return route.Metadata.Namespace == ns && text.Contains($"\"name\":\"{name}\"", StringComparison.Ordinal);
    }

    /// <summary>A policy applies when it has no selector and no targetRefs (namespace-wide), or names the service or selects its pods' labels.</summary>
    private static bool AppliesTo(Resource policy, ServiceResource service, string ns, string name)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(policy, policy.GetType(), Core.Configuration.ResourceJson.Options)?["spec"];
        var selector = json?["selector"]?["matchLabels"]?.AsObject();
        var targets = json?["targetRefs"]?.AsArray();
        if ((selector is null || selector.Count == 0) && (targets is null || targets.Count == 0))
        {
            return true;
        }

        if (targets is not null && targets.Any(t => t?["name"]?.GetValue<string>() == name))
        {
            return true;
        }

        var serviceSelector = service.Spec.Selector ?? [];
        return selector is not null && selector.Count > 0 && selector.All(p => serviceSelector.GetValueOrDefault(p.Key) == p.Value?.GetValue<string>());
    }
}
