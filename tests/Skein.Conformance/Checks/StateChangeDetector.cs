using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>
/// Finds cases that cannot hold in one configuration: the same request to the same Gateway with an incompatible
/// expectation (another status, backend, redirect, or header value). Upstream gets there by changing objects in Go between the two (e.g. deleting a ReferenceGrant);
/// cases.json does not record the change, so the later case is skipped with that reason.
/// </summary>
public static class StateChangeDetector
{
    /// <summary>For each case that repeats an earlier request with an incompatible expectation: its index and the earlier one's.</summary>
    public static IReadOnlyDictionary<int, int> Conflicts(IReadOnlyList<HttpCase> cases)
    {
        var conflicts = new Dictionary<int, int>();
        for (var i = 0; i < cases.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (!conflicts.ContainsKey(j) && RequestKey(cases[i]) == RequestKey(cases[j]) && !Compatible(cases[i], cases[j]))
                {
                    conflicts[i] = j;
                    break;
                }
            }
        }

        return conflicts;
    }

    /// <summary>True when one response could satisfy both cases (cases often check different parts of the same reply).</summary>
    public static bool Compatible(HttpCase a, HttpCase b) =>
        a.ExpectFailure == b.ExpectFailure
        && a.Response.StatusCodes.Intersect(b.Response.StatusCodes).Any()
        && Same(a.Namespace, b.Namespace)
        && (string.IsNullOrEmpty(a.Backend) || string.IsNullOrEmpty(b.Backend) || a.Backend.StartsWith(b.Backend, StringComparison.Ordinal) || b.Backend.StartsWith(a.Backend, StringComparison.Ordinal))
        && (a.Redirect is null || b.Redirect is null || a.Redirect == b.Redirect)
        && Same(a.ExpectedRequest.Path, b.ExpectedRequest.Path)
        && HeadersAgree(a.Response.Headers, a.Response.AbsentHeaders, b.Response.Headers, b.Response.AbsentHeaders)
        && HeadersAgree(a.ExpectedRequest.Headers, a.ExpectedRequest.AbsentHeaders, b.ExpectedRequest.Headers, b.ExpectedRequest.AbsentHeaders)
        && !a.Response.ValidHeaderValues.Keys.Any(k => b.Response.AbsentHeaders.Contains(k, StringComparer.OrdinalIgnoreCase))
        && !b.Response.ValidHeaderValues.Keys.Any(k => a.Response.AbsentHeaders.Contains(k, StringComparer.OrdinalIgnoreCase));

    private static bool Same(string? a, string? b) => string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b) || a == b;

    private static bool HeadersAgree(IReadOnlyDictionary<string, string> aHas, IReadOnlyList<string> aAbsent, IReadOnlyDictionary<string, string> bHas, IReadOnlyList<string> bAbsent) =>
        aHas.All(h => !bHas.TryGetValue(h.Key, out var v) || v == h.Value)
        && !aHas.Keys.Any(k => bAbsent.Contains(k, StringComparer.OrdinalIgnoreCase))
        && !bHas.Keys.Any(k => aAbsent.Contains(k, StringComparer.OrdinalIgnoreCase));

    // What is sent, including the headers the echo is asked to set on its reply.
    private static string RequestKey(HttpCase c) =>
        $"{c.Kind} {c.Request.ServerName} {c.Request.Port} {c.Request.ClientCertificate} {c.Request.Method} {c.Request.Host} {c.Request.Path} {c.Request.Protocol} {Map(c.Request.Headers)} {Map(c.BackendSetResponseHeaders)}";

    private static string Map(IReadOnlyDictionary<string, string> map) =>
        string.Join(";", map.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).Select(kv => $"{kv.Key.ToLowerInvariant()}={kv.Value}"));
}
