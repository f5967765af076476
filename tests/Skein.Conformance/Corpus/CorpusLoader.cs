using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>A corpus directory: cases.json, base manifests and per-test manifests.</summary>
public sealed record CorpusDirectory(string Root, IReadOnlyList<ConformanceTest> Tests)
{
    /// <summary>The shared setup for gateway tests (may be absent).</summary>
    public string BaseManifest => Path.Combine(Root, "base.yaml");

    /// <summary>The shared setup for mesh tests (may be absent).</summary>
    public string MeshBaseManifest => Path.Combine(Root, "mesh-base.yaml");

    /// <summary>The full path of a manifest named relative to the corpus root.</summary>
    public string PathOf(string manifest) => Path.Combine(Root, manifest);

    /// <summary>Every YAML file of the corpus (for facts that span files, like which Services select a Deployment).</summary>
    public IEnumerable<string> AllManifestFiles() =>
        Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
}

/// <summary>Reads cases.json (the format of shared/conformance/gateway-api) into typed tests.</summary>
public static class CorpusLoader
{
    /// <summary>Loads the corpus at <paramref name="root"/>; throws <see cref="FormatException"/> naming the problem.</summary>
    public static CorpusDirectory Load(string root)
    {
        var casesPath = Path.Combine(root, "cases.json");
        if (!File.Exists(casesPath))
        {
            throw new FileNotFoundException($"{casesPath}: no such file (a corpus directory holds cases.json)");
        }

        return new CorpusDirectory(Path.GetFullPath(root), Parse(File.ReadAllText(casesPath), casesPath));
    }

    /// <summary>Parses the text of a cases.json; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<ConformanceTest> Parse(string json, string source = "cases.json")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}:{e.LineNumber + 1}: {e.Message}", e);
        }

        if (root is not JsonArray tests)
        {
            throw new FormatException($"{source}: expected a JSON array of tests");
        }

        var result = new List<ConformanceTest>();
        for (var i = 0; i < tests.Count; i++)
        {
            if (tests[i] is not JsonObject test)
            {
                throw new FormatException($"{source}: [{i}]: expected an object");
            }

            var name = test["shortName"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
                ? s
                : throw new FormatException($"{source}: [{i}].shortName: required string is missing");
            result.Add(new ConformanceTest(
                name,
                Str(test["description"]) ?? "",
                Strings(test["features"]),
                Strings(test["manifests"]),
                Bool(test["provisional"]),
                Bool(test["weighted"]),
                Weights(test["expectedWeights"], source, name),
                (test["cases"] as JsonArray ?? []).OfType<JsonObject>().ToList(),
                Strings(test["statusChecks"]),
                (test["conditions"] as JsonArray ?? []).OfType<JsonObject>().Select(Condition).ToList()));
        }

        return result;
    }

    internal static ExpectedCondition Condition(JsonObject c)
    {
        // Any field the extractor left as {"$expr": ...} makes the condition unresolvable; the checker skips it.
        var unresolved = c.Select(p => p.Value is JsonObject o && o.ContainsKey("$expr") ? $"{p.Key}: {o["$expr"]}" : null).FirstOrDefault(x => x is not null);
        return new ExpectedCondition(Str(c["Type"]) ?? "", Str(c["Status"]), Str(c["Reason"]), unresolved);
    }

    private static Dictionary<string, double>? Weights(JsonNode? node, string source, string test)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject weights)
        {
            throw new FormatException($"{source}: {test}.expectedWeights: expected an object of backend: share");
        }

        return weights.ToDictionary(p => p.Key, p => p.Value?.GetValue<double>() ?? 0, StringComparer.Ordinal);
    }

    internal static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(Str).OfType<string>().ToList();
}
