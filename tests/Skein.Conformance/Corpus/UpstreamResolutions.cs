using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>
/// What the runner knows about one test beyond cases.json, read from upstream's Go test: concrete cases for the
/// ones the extractor left as Go expressions, the Gateway the test sends to, and Services whose endpoints the test
/// sets in Go (pointed at a Deployment's pods).
/// </summary>
public sealed record TestResolution(
    string Source,
    string? Gateway,
    IReadOnlyList<JsonObject>? Cases,
    IReadOnlyDictionary<string, string> EndpointsFrom)
{
    /// <summary>Case ranges upstream sends to one Gateway each (optionally over TLS with a server name).</summary>
    public IReadOnlyList<CasePin> CasePins { get; init; } = [];

    /// <summary>Upstream runs every case against each of the test's Gateways: a case must hold on all of them.</summary>
    public bool EveryGateway { get; init; }

    /// <summary>Status upstream asserts per object ("Kind/namespace/name").</summary>
    public IReadOnlyDictionary<string, StatusExpectation> Status { get; init; } = new Dictionary<string, StatusExpectation>();

    /// <summary>
    /// Expected conditions that only hold after objects are changed in Go between steps (cases.json lists them with the
    /// rest); they are reported as not checked, with <see cref="UncheckedWhy"/>, instead of being looked for.
    /// </summary>
    public IReadOnlyList<ExpectedCondition> UncheckedConditions { get; init; } = [];

    /// <summary>Why <see cref="UncheckedConditions"/> cannot be checked by applying the manifests once.</summary>
    public string UncheckedWhy { get; init; } = "";

    /// <summary>
    /// Changes upstream makes in Go after the first checks, each followed by its own checks (in order); cases.json
    /// flattens the conditions of all steps into one list, so a test with steps usually replaces it (<see cref="Conditions"/>).
    /// </summary>
    public IReadOnlyList<TestStep> Steps { get; init; } = [];

    /// <summary>Concrete conditions replacing the extracted ones (where those are Go expressions); null keeps them.</summary>
    public IReadOnlyList<ExpectedCondition>? Conditions { get; init; }
}

/// <summary>Cases <see cref="From"/>..<see cref="To"/> (inclusive) go to <see cref="Gateway"/>, over TLS with <see cref="ServerName"/> when set.</summary>
public sealed record CasePin(int From, int To, string Gateway, string? ServerName);

/// <summary>
/// Loads Resolutions/upstream.json (keyed by test short name). It is data, not code: each entry says which Go
/// file it was read from, and cases use the cases.json format plus Request.ServerName (TLS SNI), a {uuid} path
/// placeholder (fresh per attempt) and $kind websocket.
/// </summary>
public static class UpstreamResolutions
{
    /// <summary>The file next to the runner's assembly.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Resolutions", "upstream.json");

    /// <summary>Loads <paramref name="path"/>; a missing file means no resolutions.</summary>
    public static IReadOnlyDictionary<string, TestResolution> Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : new Dictionary<string, TestResolution>();

    /// <summary>Parses the JSON text; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, TestResolution> Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException($"{source}: expected an object keyed by test short name");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}:{e.LineNumber + 1}: {e.Message}", e);
        }

        var result = new Dictionary<string, TestResolution>(StringComparer.Ordinal);
        foreach (var (name, value) in root)
        {
            if (value is not JsonObject entry)
            {
                throw new FormatException($"{source}: {name}: expected an object");
            }

            var gateway = CorpusLoader.Str(entry["gateway"]);
            if (gateway is not null && gateway.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new FormatException($"{source}: {name}.gateway: expected namespace/name, got '{gateway}'");
            }

            result[name] = new TestResolution(
                CorpusLoader.Str(entry["source"]) ?? "",
                gateway,
                entry["cases"] is JsonArray cases ? cases.OfType<JsonObject>().ToList() : null,
                (entry["endpointsFrom"] as JsonObject ?? []).ToDictionary(p => p.Key, p => CorpusLoader.Str(p.Value) ?? "", StringComparer.Ordinal))
            {
                EveryGateway = entry["everyGateway"] is JsonValue every && every.TryGetValue<bool>(out var all) && all,
                Status = TestStep.ParseStatus(entry["status"], $"{source}: {name}.status"),
                Steps = entry["steps"] is null ? [] : entry["steps"] is JsonArray steps
                    ? steps.Select((s, i) => TestStep.Parse(s, $"{source}: {name}.steps[{i}]")).ToList()
                    : throw new FormatException($"{source}: {name}.steps: expected an array"),
                UncheckedConditions = Conditions(entry["uncheckedConditions"]) ?? [],
                Conditions = Conditions(entry["conditions"]),
                UncheckedWhy = CorpusLoader.Str(entry["uncheckedWhy"]) ?? "",
                CasePins = (entry["casePins"] as JsonArray ?? []).OfType<JsonObject>().Select(p => new CasePin(
                    p["from"]?.GetValue<int>() ?? throw new FormatException($"{source}: {name}.casePins: from is required"),
                    p["to"]?.GetValue<int>() ?? throw new FormatException($"{source}: {name}.casePins: to is required"),
                    CorpusLoader.Str(p["gateway"]) ?? throw new FormatException($"{source}: {name}.casePins: gateway is required"),
                    CorpusLoader.Str(p["serverName"]))).ToList(),
            };
        }

        return result;
    }

    private static List<ExpectedCondition>? Conditions(JsonNode? node) => (node as JsonArray)?.OfType<JsonObject>()
        .Select(c => new ExpectedCondition(CorpusLoader.Str(c["Type"]) ?? "", CorpusLoader.Str(c["Status"]), CorpusLoader.Str(c["Reason"]))).ToList();

    /// <summary>
    /// The test with its resolution applied: resolved cases replace the extracted ones, pinned cases carry their
    /// Gateway ("$gateway") and server name (Request.ServerName), and per-object status expectations come along.
    /// </summary>
    public static ConformanceTest Apply(ConformanceTest test, TestResolution? resolution)
    {
        if (resolution is null)
        {
            return test;
        }

        var cases = (resolution.Cases ?? test.Cases).Select(c => (JsonObject)c.DeepClone()).ToList();
        foreach (var pin in resolution.CasePins)
        {
            for (var i = pin.From; i <= pin.To && i < cases.Count; i++)
            {
                cases[i]["$gateway"] = pin.Gateway;
                if (pin.ServerName is not null && cases[i]["Request"] is JsonObject request)
                {
                    request["ServerName"] = pin.ServerName;
                }
            }
        }

        var conditions = (resolution.Conditions ?? test.Conditions).Select(c => c.Unresolved is null && resolution.UncheckedConditions.Contains(c with { Unresolved = null })
            ? c with { Unresolved = resolution.UncheckedWhy.Length > 0 ? resolution.UncheckedWhy : "changed in Go between steps" }
            : c).ToList();
        return test with { Cases = cases, Conditions = conditions, ExpectedStatus = resolution.Status, Steps = resolution.Steps };
    }
}
