using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Skein.Control.Gateway;
using Skein.Core.Resources;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>The status each object last had in the API server, so Skein's status writes keep other controllers' entries.</summary>
/// <remarks>
/// A route (or policy) attached to parents of several implementations carries one <c>status.parents</c>
/// (<c>status.ancestors</c>) entry per controller. Skein computes only its own; a merge patch replaces lists whole,
/// so the entries other controllers wrote are carried over from the last observed status.
/// </remarks>
public sealed class ObservedStatuses
{
    private static readonly string[] PerControllerLists = ["parents", "ancestors"];
    private readonly ConcurrentDictionary<ResourceKey, JsonNode> _byKey = new();

    public void Record(ResourceKey key, JsonNode? status)
    {
        if (status is null)
        {
            _byKey.TryRemove(key, out _);
        }
        else
        {
            _byKey[key] = status.DeepClone();
        }
    }

    public void Forget(ResourceKey key) => _byKey.TryRemove(key, out _);

    /// <summary>Skein's status for an object with the other controllers' per-controller entries added back.</summary>
    public JsonNode Merge(ResourceKey key, JsonNode ours)
    {
        if (!_byKey.TryGetValue(key, out var observed) || ours is not JsonObject merged || observed is not JsonObject seen)
        {
            return ours;
        }

        merged = (JsonObject)merged.DeepClone();
        foreach (var list in PerControllerLists)
        {
            if (seen[list] is not JsonArray theirs)
            {
                continue;
            }

            var others = theirs.Where(e => e?["controllerName"]?.GetValue<string>() is { } controller && controller != GatewayApiNames.ControllerName).ToList();
            if (others.Count == 0)
            {
                continue;
            }

            var combined = merged[list] as JsonArray ?? [];
            merged[list] = new JsonArray([.. others.Select(e => e!.DeepClone()), .. combined.Select(e => e?.DeepClone())]);
        }

        return merged;
    }
}
