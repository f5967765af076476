using Skein.Proxy.L7.Routing;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Chooses a rule's backendRef per request by weight (weighted random; weight 0 receives nothing).</summary>
public static class BackendPicker
{
    /// <summary>The chosen backend, or null when no backend has a positive weight (the rule then answers 500).</summary>
    public static T? Pick<T>(IReadOnlyList<T> backends, Func<T, uint> weight, Random random)
        where T : class
    {
        // Indexed, not foreach: an interface's enumerator is an allocation per request.
        long total = 0;
        for (var i = 0; i < backends.Count; i++)
        {
            total += weight(backends[i]);
        }

        if (total == 0)
        {
            return null;
        }

        var ticket = random.NextInt64(total);
        for (var i = 0; i < backends.Count; i++)
        {
            ticket -= weight(backends[i]);
            if (ticket < 0)
            {
                return backends[i];
            }
        }

        return null;
    }

    public static BackendEntry? Pick(IReadOnlyList<BackendEntry> backends, Random random) => Pick(backends, static b => b.Weight, random);

    /// <summary>A retry's pick: among backends not yet failed when any with weight remain (Envoy's previous-hosts retry predicate), else among all.</summary>
    public static BackendEntry? Pick(IReadOnlyList<BackendEntry> backends, IReadOnlySet<BackendEntry> failed, Random random)
    {
        if (failed.Count > 0 && PickFresh(backends, failed, random) is { } fresh)
        {
            return fresh;
        }

        return Pick(backends, random);
    }

    // Its own method so the first try (nothing failed) allocates no closure over the failed set.
    private static BackendEntry? PickFresh(IReadOnlyList<BackendEntry> backends, IReadOnlySet<BackendEntry> failed, Random random) =>
        Pick(backends, b => failed.Contains(b) ? 0 : b.Weight, random);
}
