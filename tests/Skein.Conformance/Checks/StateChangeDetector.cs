using Skein.Conformance.Corpus;

namespace Skein.Conformance.Checks;

/// <summary>
/// Finds cases that cannot hold in one configuration: the same request to the same Gateway with a different
/// expectation. Upstream gets there by changing objects in Go between the two (e.g. deleting a ReferenceGrant);
/// cases.json does not record the change, so the later case is skipped with that reason.
/// </summary>
public static class StateChangeDetector
{
    /// <summary>For each case that repeats an earlier request with other expectations: its index and the earlier one's.</summary>
    public static IReadOnlyDictionary<int, int> Conflicts(IReadOnlyList<HttpCase> cases)
    {
        var seen = new Dictionary<string, (int Index, string Expectation)>(StringComparer.Ordinal);
        var conflicts = new Dictionary<int, int>();
        for (var i = 0; i < cases.Count; i++)
        {
            var request = RequestKey(cases[i].Request);
            var expectation = ExpectationKey(cases[i]);
            if (seen.TryGetValue(request, out var earlier))
            {
                if (earlier.Expectation != expectation)
                {
                    conflicts[i] = earlier.Index;
                }
            }
            else
            {
                seen[request] = (i, expectation);
            }
        }

        return conflicts;
    }

    private static string RequestKey(HttpCaseRequest r) =>
        $"{r.Method} {r.Host} {r.Path} {r.Protocol} {Map(r.Headers)}";

    private static string ExpectationKey(HttpCase c) =>
        $"{string.Join(",", c.Response.StatusCodes)}|{c.Backend}|{c.Namespace}|{c.Redirect}|{c.ExpectedRequest.Path}|{Map(c.ExpectedRequest.Headers)}|{string.Join(",", c.ExpectedRequest.AbsentHeaders)}|{Map(c.Response.Headers)}";

    private static string Map(IReadOnlyDictionary<string, string> map) =>
        string.Join(";", map.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).Select(kv => $"{kv.Key.ToLowerInvariant()}={kv.Value}"));
}
