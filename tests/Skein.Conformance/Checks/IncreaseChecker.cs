using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;

namespace Skein.Conformance.Checks;

/// <summary>Compares an object as read before a step's patch with the same object after it (a step's <c>increased</c>).</summary>
public static class IncreaseChecker
{
    /// <summary>Null when <paramref name="after"/> shows the increases <paramref name="expected"/> asks over <paramref name="before"/>; otherwise the first that is missing.</summary>
    public static string? Problem(ResourceRef reference, JsonObject before, JsonObject after, ExpectedIncrease expected)
    {
        if (expected.Generation)
        {
            var (was, now) = (Generation(before), Generation(after));
            if (now is not { } n || was is { } w && n <= w)
            {
                return $"{reference}: metadata.generation is {now?.ToString() ?? "unset"}, expected more than {was?.ToString() ?? "unset"} (before the step)";
            }
        }

        if (expected.ObservedGeneration)
        {
            var earlier = ObservedGenerations(before);
            var later = ObservedGenerations(after);
            if (earlier.Count == 0)
            {
                return $"{reference}: reported no condition before the step to compare with";
            }

            // A condition that went away with the step (a removed listener's) has nothing to compare with.
            foreach (var (where, was) in earlier)
            {
                if (later.TryGetValue(where, out var now) && (now is not { } n || was is { } w && n <= w))
                {
                    return $"{reference}: condition {where} has observedGeneration {now?.ToString() ?? "unset"}, expected more than {was?.ToString() ?? "unset"} (before the step)";
                }
            }
        }

        return null;
    }

    private static long? Generation(JsonObject json) => Long(json["metadata"]?["generation"]);

    // observedGeneration of every condition, keyed by where it is: "Type" (own), "listener NAME Type", "parent {parentRef} Type", "ancestor {ancestorRef} Type".
    private static Dictionary<string, long?> ObservedGenerations(JsonObject json)
    {
        var status = json["status"];
        var result = new Dictionary<string, long?>(StringComparer.Ordinal);
        void Add(string prefix, JsonNode? holder)
        {
            foreach (var condition in (holder?["conditions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                result[$"{prefix}{condition["type"]?.GetValue<string>()}"] = Long(condition["observedGeneration"]);
            }
        }

        Add("", status);
        foreach (var listener in (status?["listeners"] as JsonArray ?? []).OfType<JsonObject>())
        {
            Add($"listener {listener["name"]?.GetValue<string>()} ", listener);
        }

        foreach (var (field, reference) in new[] { ("parents", "parentRef"), ("ancestors", "ancestorRef") })
        {
            foreach (var entry in (status?[field] as JsonArray ?? []).OfType<JsonObject>())
            {
                Add($"{field[..^1]} {entry[reference]?.ToJsonString()} ", entry);
            }
        }

        return result;
    }

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;
}
