namespace Skein.Conformance.Checks;

/// <summary>Checks a traffic split: each backend's share of responses within a tolerance of its expected weight.</summary>
public static class WeightedShares
{
    /// <summary>Upstream's tolerance on each share.</summary>
    public const double Tolerance = 0.05;

    /// <summary>Maps a pod name to the expected backend whose name prefixes it ("infra-backend-v1-0" → "infra-backend-v1").</summary>
    public static string? BackendOf(string pod, IEnumerable<string> backends) =>
        backends.Where(b => pod == b || pod.StartsWith(b + "-", StringComparison.Ordinal)).MaxBy(b => b.Length);

    /// <summary>
    /// Null when every backend's share of <paramref name="counts"/> is within <paramref name="tolerance"/> of
    /// <paramref name="expected"/> and weight-0 backends got nothing; otherwise what is wrong.
    /// </summary>
    public static string? Check(IReadOnlyDictionary<string, int> counts, IReadOnlyDictionary<string, double> expected, double tolerance = Tolerance)
    {
        var total = counts.Values.Sum();
        if (total == 0)
        {
            return "no responses were counted";
        }

        var problems = new List<string>();
        foreach (var unexpected in counts.Keys.Where(k => !expected.ContainsKey(k) && counts[k] > 0))
        {
            problems.Add($"{unexpected} is not an expected backend but got {counts[unexpected]} requests");
        }

        foreach (var (backend, weight) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var got = counts.GetValueOrDefault(backend);
            var share = (double)got / total;
            if (weight == 0 && got > 0)
            {
                problems.Add($"{backend} has weight 0 but got {got} requests");
            }
            else if (Math.Abs(share - weight) > tolerance)
            {
                problems.Add($"{backend} got {share:0.###} of requests, expected {weight:0.###} ± {tolerance:0.##}");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
