namespace Skein.Proxy.L7.Routing;

/// <summary>Gateway API hostname matching: exact names beat wildcards, longer wildcards beat shorter ones, "" matches anything.</summary>
public static class HostnameMatcher
{
    /// <summary>The score of an exact match; wildcards score their suffix length, "any" scores 0, no match -1.</summary>
    public const int Exact = int.MaxValue;

    public const int NoMatch = -1;

    /// <summary>Lower-cases a Host header or SNI value and drops its port and trailing dot.</summary>
    public static string Normalize(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "";
        }

        var h = host;
        if (h.StartsWith('['))
        {
            var close = h.IndexOf(']', StringComparison.Ordinal);
            h = close > 0 ? h[..(close + 1)] : h;
        }
        else if (h.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 && h.IndexOf(':', colon + 1) < 0)
        {
            h = h[..colon];
        }

        return h.TrimEnd('.').ToLowerInvariant();
    }

    /// <summary>How specifically <paramref name="pattern"/> matches the (normalized) <paramref name="host"/>.</summary>
    /// <remarks>A wildcard "*.example.com" matches one or more labels in front of "example.com", never "example.com" itself.</remarks>
    public static int Score(string pattern, string host)
    {
        if (pattern.Length == 0)
        {
            return 0;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern.AsSpan(1); // ".example.com"
            return host.Length > suffix.Length && host.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? suffix.Length : NoMatch;
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase) ? Exact : NoMatch;
    }

    /// <summary>The best score of any of <paramref name="patterns"/> (empty list = any host).</summary>
    public static int Score(IReadOnlyList<string> patterns, string host)
    {
        if (patterns.Count == 0)
        {
            return 0;
        }

        var best = NoMatch;
        for (var i = 0; i < patterns.Count; i++)
        {
            best = Math.Max(best, Score(patterns[i], host));
        }

        return best;
    }

    /// <summary>The item whose hostname matches most specifically; ties go to the first.</summary>
    public static T? SelectMostSpecific<T>(IReadOnlyList<T> items, Func<T, string> hostname, string host)
        where T : class
    {
        T? best = null;
        var bestScore = NoMatch;
        // Indexed, not foreach: an interface's enumerator is an allocation per request.
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var score = Score(hostname(item), host);
            if (score > bestScore)
            {
                best = item;
                bestScore = score;
            }
        }

        return best;
    }
}
