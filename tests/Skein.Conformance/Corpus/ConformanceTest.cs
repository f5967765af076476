using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>One test of a corpus: its manifests, request cases and expected status, as cases.json lists them.</summary>
public sealed record ConformanceTest(
    string ShortName,
    string Description,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> Manifests,
    bool Provisional,
    bool Weighted,
    IReadOnlyDictionary<string, double>? ExpectedWeights,
    IReadOnlyList<JsonObject> Cases,
    IReadOnlyList<string> StatusChecks,
    IReadOnlyList<ExpectedCondition> Conditions)
{
    /// <summary>Status asserted per object ("Kind/namespace/name"), from upstream's Go test via Resolutions/upstream.json.</summary>
    public IReadOnlyDictionary<string, StatusExpectation> ExpectedStatus { get; init; } = new Dictionary<string, StatusExpectation>();

    /// <summary>Changes made after the first checks, each with its own checks (from upstream.json <c>steps</c>).</summary>
    public IReadOnlyList<TestStep> Steps { get; init; } = [];
}

/// <summary>A status condition a test expects some resource of its manifests to report; a null field matches anything.</summary>
public sealed record ExpectedCondition(string Type, string? Status, string? Reason, string? Unresolved = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}={Status ?? "*"}{(Reason is { Length: > 0 } ? $" ({Reason})" : "")}";
}
