using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Routing;

/// <summary>A listener's HTTP route entries indexed by hostname, so a request first narrows to the most specific hostname group.</summary>
/// <remarks>
/// Entries arrive in Gateway API precedence order (the control plane sorts them). Per l7.proto, hostname
/// specificity comes first: the request's host selects the exact group if one exists, else the longest
/// matching wildcard, else the entries without hostnames; within that group the first entry whose match
/// holds wins. A group that matches the host but none of whose entries match yields no route (404), as a
/// virtual host does in Envoy.
/// </remarks>
public sealed class RouteTable
{
    private readonly Dictionary<string, List<RouteEntry>> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Suffix, List<RouteEntry> Entries)> _wildcards = [];
    private readonly List<RouteEntry> _any = [];

    public RouteTable(IEnumerable<HttpRoute> routes)
    {
        foreach (var proto in routes)
        {
            var entry = new RouteEntry(proto);
            Entries.Add(entry);
            if (proto.Hostnames.Count == 0)
            {
                _any.Add(entry);
                continue;
            }

            foreach (var hostname in proto.Hostnames.Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
            {
                if (hostname.StartsWith("*.", StringComparison.Ordinal))
                {
                    var suffix = hostname[1..];
                    var group = _wildcards.FirstOrDefault(w => w.Suffix == suffix);
                    if (group.Entries is null)
                    {
                        group = (suffix, []);
                        _wildcards.Add(group);
                    }

                    group.Entries.Add(entry);
                }
                else
                {
                    if (!_exact.TryGetValue(hostname, out var list))
                    {
                        _exact[hostname] = list = [];
                    }

                    list.Add(entry);
                }
            }
        }

        _wildcards.Sort((a, b) => b.Suffix.Length.CompareTo(a.Suffix.Length));
    }

    public List<RouteEntry> Entries { get; } = [];

    /// <summary>The entries a request for <paramref name="host"/> (normalized) chooses among.</summary>
    public IReadOnlyList<RouteEntry> Candidates(string host)
    {
        if (_exact.TryGetValue(host, out var exact))
        {
            return exact;
        }

        foreach (var (suffix, entries) in _wildcards)
        {
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return entries;
            }
        }

        return _any;
    }

    /// <summary>The route entry serving the request, or null (no route: 404).</summary>
    public RouteEntry? Match(HttpRequest request, string host, int port)
    {
        // Indexed, not foreach: an interface's enumerator is an allocation per request.
        var candidates = Candidates(host);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Matcher.Matches(request, port))
            {
                return candidates[i];
            }
        }

        return null;
    }
}
