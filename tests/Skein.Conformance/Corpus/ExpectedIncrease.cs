using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>
/// What must have grown on one object from just before a step's patch to after it: upstream reads the object before
/// patching it and compares (<c>require.NotEqual(original.Generation, updated.Generation)</c>; GatewayClassObservedGenerationBump
/// also compares each condition's observedGeneration). Read from a step's <c>increased</c>: "Kind/namespace/name" → a list
/// of <c>"generation"</c>, <c>"observedGeneration"</c>.
/// </summary>
public sealed record ExpectedIncrease(bool Generation, bool ObservedGeneration)
{
    /// <summary>Parses one entry's list; <paramref name="where"/> names it in errors.</summary>
    public static ExpectedIncrease Parse(JsonNode? node, string where)
    {
        if (node is not JsonArray { Count: > 0 } names)
        {
            throw new FormatException($"{where}: expected a non-empty array of \"generation\", \"observedGeneration\"");
        }

        var (generation, observed) = (false, false);
        for (var i = 0; i < names.Count; i++)
        {
            switch (CorpusLoader.Str(names[i]))
            {
                case "generation":
                    generation = true;
                    break;
                case "observedGeneration":
                    observed = true;
                    break;
                case var other:
                    throw new FormatException($"{where}[{i}]: unknown '{other}' (expected \"generation\" or \"observedGeneration\")");
            }
        }

        return new ExpectedIncrease(generation, observed);
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", new[] { Generation ? "generation" : null, ObservedGeneration ? "observedGeneration" : null }.OfType<string>());
}
