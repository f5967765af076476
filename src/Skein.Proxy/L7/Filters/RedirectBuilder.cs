using System.Globalization;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>Builds the Location and status of a Gateway API RequestRedirect.</summary>
public static class RedirectBuilder
{
    /// <param name="redirect">The filter.</param>
    /// <param name="scheme">The request's scheme.</param>
    /// <param name="host">The request's host without port.</param>
    /// <param name="path">The request's path.</param>
    /// <param name="query">The query string including '?', or "".</param>
    /// <param name="listenerPort">The port the request arrived on (the Gateway listener's port).</param>
    /// <param name="matchedPrefix">The matched path prefix, for ReplacePrefixMatch.</param>
    public static (int Status, string Location) Build(RequestRedirect redirect, string scheme, string host, string path, string query, int listenerPort, string? matchedPrefix)
    {
        var targetScheme = redirect.Scheme.Length > 0 ? redirect.Scheme.ToLowerInvariant() : scheme;
        var targetHost = redirect.Hostname.Length > 0 ? redirect.Hostname : host;
        // The spec: without a port, a scheme change implies that scheme's well-known port; otherwise the listener's port.
        var port = redirect.Port != 0
            ? (int)redirect.Port
            : redirect.Scheme.Length > 0 ? WellKnownPort(targetScheme) ?? listenerPort : listenerPort;
        var targetPath = redirect.Path is { } modifier ? PathRewriter.Rewrite(modifier, path, matchedPrefix) : path;
        var authority = WellKnownPort(targetScheme) == port ? targetHost : $"{targetHost}:{port.ToString(CultureInfo.InvariantCulture)}";
        var status = redirect.StatusCode is 301 or 302 or 303 or 307 or 308 ? (int)redirect.StatusCode : 302;
        return (status, $"{targetScheme}://{authority}{targetPath}{query}");
    }

    private static int? WellKnownPort(string scheme) => scheme switch
    {
        "http" => 80,
        "https" => 443,
        _ => null,
    };
}
