namespace Skein.Control.Gateway;

/// <summary>Gateway API hostname rules: wildcard matching and the intersection of a listener's and a route's hostnames.</summary>
public static class HostnameIntersection
{
    /// <summary>
    /// The hostnames a route serves on a listener: the route's hostnames that the listener accepts, narrowed to
    /// the listener's own hostname where the route's is the broader wildcard. Null when nothing intersects;
    /// an empty list means any host the listener accepts.
    /// </summary>
    public static IReadOnlyList<string>? Intersect(string? listenerHostname, IReadOnlyList<string> routeHostnames)
    {
        if (string.IsNullOrEmpty(listenerHostname))
        {
            return routeHostnames.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        if (routeHostnames.Count == 0)
        {
            return [listenerHostname];
        }

        var result = new List<string>();
        foreach (var route in routeHostnames)
        {
            string? effective = null;
            if (Matches(listenerHostname, route))
            {
                effective = route;
            }
            else if (Matches(route, listenerHostname))
            {
                effective = listenerHostname;
            }

            if (effective is not null && !result.Contains(effective, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(effective);
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>
    /// Whether <paramref name="pattern"/> accepts <paramref name="host"/>: equal names, or a wildcard
    /// ("*.example.com") whose suffix follows at least one more label of the host. A wildcard host is accepted
    /// when it is at least as narrow as the pattern.
    /// </summary>
    public static bool Matches(string pattern, string host)
    {
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return false;
        }

        var suffix = pattern[1..]; // ".example.com"
        var hostBody = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            // "*.a.example.com" is narrower than "*.example.com"; "*.example.com" is not narrower than itself (handled above).
            return hostBody.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }
}
