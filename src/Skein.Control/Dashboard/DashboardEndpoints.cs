using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Skein.Control.Dashboard;

/// <summary>Serves the dashboard page and its scripts at <c>/</c> on the API port, next to the REST API it polls.</summary>
public static class DashboardEndpoints
{
    // The page loads only its own scripts and styles and talks only to this origin; nothing inline, nothing remote.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app, string host, DashboardAssets assets)
    {
        foreach (var asset in assets.ByPath.Values)
        {
            // One explicit route per file: no catch-all that could shadow API routes or reach outside the set.
            app.MapGet(asset.Path, (HttpContext context) => Serve(context, asset)).RequireHost(host).ExcludeFromDescription();
        }
    }

    private static IResult Serve(HttpContext context, DashboardAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidate on every load so a new control plane build never serves a stale script next to a new page.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (asset.Path == "/")
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
