using System.Text.Json.Nodes;

namespace Skein.Conformance.Translation;

/// <summary>JSON merge patch (RFC 7386), the form of a test step's changes (like <c>kubectl patch --type merge</c>).</summary>
/// <remarks>Written here because System.Text.Json has no merge patch; the RFC's algorithm is a few lines.</remarks>
public static class MergePatch
{
    /// <summary>
    /// <paramref name="target"/> with <paramref name="patch"/> applied: objects merge member by member, a null member
    /// removes it, anything else (arrays included) replaces. Neither argument is modified.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject changes)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject original ? (JsonObject)original.DeepClone() : [];
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Apply(result[name], value);
            }
        }

        return result;
    }
}
