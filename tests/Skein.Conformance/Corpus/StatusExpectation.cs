using System.Text.Json.Nodes;

namespace Skein.Conformance.Corpus;

/// <summary>
/// The status upstream's Go test asserts on one object (cases.json flattens conditions and drops whose they are):
/// its own conditions, per-listener conditions and attachedRoutes, the Gateway's attachedListenerSets, and a route's
/// conditions per parent. Read from Resolutions/upstream.json ("status", keyed by "Kind/namespace/name").
/// </summary>
public sealed record StatusExpectation
{
    /// <summary>Conditions the object's status.conditions must hold.</summary>
    public IReadOnlyList<ExpectedCondition> Conditions { get; init; } = [];

    /// <summary>Per listener name: conditions it must hold and, when set, its attachedRoutes.</summary>
    public IReadOnlyDictionary<string, ListenerExpectation> Listeners { get; init; } = new Dictionary<string, ListenerExpectation>();

    /// <summary>When set, status.listeners has exactly this many entries (upstream's ...StatusMustHaveListeners).</summary>
    public int? ListenerCount { get; init; }

    /// <summary>When set, a Gateway's status.attachedListenerSets (upstream's GatewayMustHaveAttachedListeners; absent counts as 0).</summary>
    public int? AttachedListenerSets { get; init; }

    /// <summary>Per parent ("Kind/namespace/name"): conditions a route's status.parents entry for it must hold.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ExpectedCondition>> Parents { get; init; } = new Dictionary<string, IReadOnlyList<ExpectedCondition>>();

    /// <summary>
    /// Per ancestor ("Kind/namespace/name"): conditions a policy's status.ancestors entry for it must hold (upstream's
    /// BackendTLSPolicyMustHaveCondition, keyed by the Gateway).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ExpectedCondition>> Ancestors { get; init; } = new Dictionary<string, IReadOnlyList<ExpectedCondition>>();

    /// <summary>status.parents has an entry for the listed parents and no other (upstream's HTTPRouteMustHaveParents).</summary>
    public bool ExactParents { get; init; }

    /// <summary>
    /// When set, a Gateway's status.addresses is exactly this list, in order (upstream's checks of
    /// Status.Addresses); a value may be an address placeholder the runner resolves (see StaticAddresses).
    /// </summary>
    public IReadOnlyList<ExpectedAddress>? Addresses { get; init; }

    /// <summary>Parses one entry; <paramref name="where"/> names it in errors.</summary>
    public static StatusExpectation Parse(JsonObject entry, string where) => new()
    {
        Conditions = ParseConditions(entry["conditions"]),
        Listeners = (entry["listeners"] as JsonObject ?? []).ToDictionary(
            p => p.Key,
            p => p.Value is JsonObject l
                ? new ListenerExpectation(ParseConditions(l["conditions"]), Int(l["attachedRoutes"], $"{where}.listeners.{p.Key}.attachedRoutes"))
                {
                    SupportedKinds = l["supportedKinds"] switch
                    {
                        null => null,
                        JsonArray kinds => kinds.Select((k, i) => CorpusLoader.Str(k) ?? throw new FormatException($"{where}.listeners.{p.Key}.supportedKinds[{i}]: expected a string")).ToList(),
                        _ => throw new FormatException($"{where}.listeners.{p.Key}.supportedKinds: expected an array of kinds"),
                    },
                }
                : throw new FormatException($"{where}.listeners.{p.Key}: expected an object"),
            StringComparer.Ordinal),
        ListenerCount = Int(entry["listenerCount"], $"{where}.listenerCount"),
        AttachedListenerSets = Int(entry["attachedListenerSets"], $"{where}.attachedListenerSets"),
        Parents = (entry["parents"] as JsonObject ?? []).ToDictionary(p => p.Key, p => ParseConditions(p.Value), StringComparer.Ordinal),
        Ancestors = (entry["ancestors"] as JsonObject ?? []).ToDictionary(p => p.Key, p => ParseConditions(p.Value), StringComparer.Ordinal),
        ExactParents = entry["exactParents"] is JsonValue exact && exact.TryGetValue<bool>(out var e) && e,
        Addresses = entry["addresses"] switch
        {
            null => null,
            JsonArray list => list.Select((a, i) => a is JsonObject o && CorpusLoader.Str(o["value"]) is { } value
                ? new ExpectedAddress(CorpusLoader.Str(o["type"]), value)
                : throw new FormatException($"{where}.addresses[{i}]: expected an object with a string value")).ToList(),
            _ => throw new FormatException($"{where}.addresses: expected an array"),
        },
    };

    private static IReadOnlyList<ExpectedCondition> ParseConditions(JsonNode? node) => (node as JsonArray ?? []).OfType<JsonObject>().Select(CorpusLoader.Condition).ToList();

    private static int? Int(JsonNode? node, string where) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw new FormatException($"{where}: expected an integer"),
    };
}

/// <summary>What one listener's status must show.</summary>
public sealed record ListenerExpectation(IReadOnlyList<ExpectedCondition> Conditions, int? AttachedRoutes)
{
    /// <summary>
    /// When set, the listener's status.supportedKinds include these ("Kind" for gateway.networking.k8s.io, or
    /// "group/Kind"); an empty list means none (upstream's GatewayStatusMustHaveListeners).
    /// </summary>
    public IReadOnlyList<string>? SupportedKinds { get; init; }
}

/// <summary>One entry of a Gateway's status.addresses; a null type matches any.</summary>
public sealed record ExpectedAddress(string? Type, string Value)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type ?? "*"} {Value}";
}
