using System.Text.Json.Nodes;
using Skein.Core.Resources;

namespace Skein.Conformance.Corpus;

/// <summary>
/// One change upstream's Go test makes to the test's objects after its first checks, and what must hold afterwards:
/// JSON merge patches (RFC 7386) keyed by "Kind/namespace/name", applied to the objects as the control plane holds
/// them; then the status per object and the request cases, each within the consistency window, before the next step.
/// </summary>
public sealed record TestStep(
    string Name,
    IReadOnlyDictionary<string, JsonObject> Patches,
    IReadOnlyDictionary<string, StatusExpectation> Status,
    IReadOnlyList<JsonObject> Cases)
{
    /// <summary>
    /// The named status checks that must hold after this step (<c>statusChecks</c>); null keeps the test's own. Upstream
    /// runs its named checks before changing objects, so a step that breaks one on purpose (a revoked ReferenceGrant)
    /// lists the ones that still apply.
    /// </summary>
    public IReadOnlyList<string>? StatusChecks { get; init; }

    /// <summary>
    /// Per object ("Kind/namespace/name"): what must be higher than just before the patch (<c>increased</c>), checked
    /// with the step's status.
    /// </summary>
    public IReadOnlyDictionary<string, ExpectedIncrease> Increased { get; init; } = new Dictionary<string, ExpectedIncrease>();

    /// <summary>"step N" or "step N (name)", for reports.</summary>
    public string Label(int index) => Name.Length > 0 ? $"step {index + 1} ({Name})" : $"step {index + 1}";

    /// <summary>Parses one entry of a resolution's <c>steps</c>; <paramref name="where"/> names it in errors.</summary>
    public static TestStep Parse(JsonNode? node, string where)
    {
        if (node is not JsonObject entry)
        {
            throw new FormatException($"{where}: expected an object");
        }

        var patches = entry["patch"] as JsonObject ?? throw new FormatException($"{where}.patch: required object of \"Kind/namespace/name\": merge patch is missing");
        if (patches.Count == 0)
        {
            throw new FormatException($"{where}.patch: names no object to change");
        }

        return new TestStep(
            CorpusLoader.Str(entry["name"]) ?? "",
            patches.ToDictionary(
                p => ObjectKey(p.Key, $"{where}.patch"),
                p => p.Value is JsonObject patch ? (JsonObject)patch.DeepClone() : throw new FormatException($"{where}.patch.{p.Key}: expected a merge patch object"),
                StringComparer.Ordinal),
            ParseStatus(entry["status"], $"{where}.status"),
            entry["cases"] is null ? [] : entry["cases"] is JsonArray cases
                ? cases.Select((c, i) => c as JsonObject ?? throw new FormatException($"{where}.cases[{i}]: expected an object")).ToList()
                : throw new FormatException($"{where}.cases: expected an array"))
        {
            StatusChecks = entry["statusChecks"] switch
            {
                null => null,
                JsonArray checks => checks.Select((c, i) => CorpusLoader.Str(c) ?? throw new FormatException($"{where}.statusChecks[{i}]: expected a check name")).ToList(),
                _ => throw new FormatException($"{where}.statusChecks: expected an array of check names"),
            },
            Increased = entry["increased"] switch
            {
                null => new Dictionary<string, ExpectedIncrease>(),
                JsonObject increased => increased.ToDictionary(
                    p => ObjectKey(p.Key, $"{where}.increased"),
                    p => ExpectedIncrease.Parse(p.Value, $"{where}.increased.{p.Key}"),
                    StringComparer.Ordinal),
                _ => throw new FormatException($"{where}.increased: expected an object of \"Kind/namespace/name\": [\"generation\", \"observedGeneration\"]"),
            },
        };
    }

    /// <summary>Per-object status expectations keyed by "Kind/namespace/name" (a resolution's and a step's <c>status</c>).</summary>
    public static Dictionary<string, StatusExpectation> ParseStatus(JsonNode? node, string where) =>
        (node as JsonObject ?? []).ToDictionary(
            p => ObjectKey(p.Key, where),
            p => p.Value is JsonObject o ? StatusExpectation.Parse(o, $"{where}.{p.Key}") : throw new FormatException($"{where}.{p.Key}: expected an object"),
            StringComparer.Ordinal);

    // As ResourceRef writes them: Kind/namespace/name, or Kind/name for a cluster-scoped kind (GatewayClass).
    private static string ObjectKey(string key, string where) => key.Split('/') switch
    {
        [{ Length: > 0 }, { Length: > 0 }, { Length: > 0 }] => key,
        [{ Length: > 0 } kind, { Length: > 0 }] when ResourceKinds.Find(kind) is { IsNamespaced: false } => key,
        _ => throw new FormatException($"{where}: expected Kind/namespace/name, got '{key}' (Kind/name only for a cluster-scoped kind)"),
    };
}
