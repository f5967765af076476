using System.Text.Json.Nodes;

namespace Skein.KubeApi.Emulator;

/// <summary>JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces.</summary>
/// <remarks>
/// Strategic merge patches are applied the same way after dropping their "$..." directives, so a list
/// is replaced whole rather than merged by key: an approximation documented in docs/testing.md.
/// </remarks>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is JsonArray list)
        {
            // A strategic merge patch marks list items to delete with "$patch"; the list is replaced by the rest.
            return new JsonArray([.. list.Where(i => i is not JsonObject o || !o.ContainsKey("$patch")).Select(i => Apply(null, i))]);
        }

        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Apply(result[key]?.DeepClone(), value);
                result[key] = merged;
            }
        }

        return result;
    }
}
