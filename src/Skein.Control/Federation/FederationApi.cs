using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Skein.Control.Federation;

/// <summary><c>GET /api/v1/trust-domains</c>: this mesh's trust domain and the federated ones whose bundles proxies hold.</summary>
public static class FederationApi
{
    public static void Map(IEndpointRouteBuilder app, string host) =>
        app.MapGet("/api/v1/trust-domains", (ControlPlaneOptions options, FederatedBundles bundles) => Results.Json(new
        {
            local = options.TrustDomain,
            federated = bundles.Resources.Keys.Order(StringComparer.Ordinal)
                .Select(td => (TrustDomain: td, Found: bundles.TryGet(td, out var held), Held: held))
                .Where(x => x.Found)
                .Select(x => new { trustDomain = x.TrustDomain, sequence = x.Held.Sequence, roots = x.Held.Roots.Count, source = x.Held.Source }),
        })).RequireHost(host);
}
