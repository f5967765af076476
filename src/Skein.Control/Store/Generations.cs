using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Control.Store;

/// <summary>Keeps <c>metadata.generation</c> as Kubernetes does: 1 when an object first appears, +1 whenever its spec changes.</summary>
/// <remarks>
/// Controllers report the generation they computed status for (observedGeneration), so clients can tell
/// status that reflects their last edit from stale status. Metadata and status edits do not count.
/// </remarks>
public static class Generations
{
    /// <summary>Sets the generation of freshly loaded resources (not yet in any snapshot) against the current snapshot.</summary>
    public static void Assign(IReadOnlyList<Resource> loaded, ImmutableSortedDictionary<ResourceKey, Resource> current)
    {
        foreach (var resource in loaded)
        {
            if (!current.TryGetValue(resource.Key, out var previous) || ReferenceEquals(previous, resource))
            {
                if (resource.Metadata.Generation <= 0)
                {
                    resource.Metadata.Generation = 1;
                }

                continue;
            }

            var unchanged = JsonNode.DeepEquals(DesiredState(previous), DesiredState(resource));
            resource.Metadata.Generation = unchanged ? previous.Metadata.Generation : Math.Max(previous.Metadata.Generation + 1, resource.Metadata.Generation);
        }
    }

    private static JsonObject DesiredState(Resource resource)
    {
        var node = ResourceJson.ToNode(resource);
        node.Remove("metadata");
        node.Remove("status");
        return node;
    }
}
