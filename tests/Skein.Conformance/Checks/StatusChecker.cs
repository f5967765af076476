using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;

namespace Skein.Conformance.Checks;

/// <summary>
/// Checks the status a test expects, read from the control plane's API. cases.json does not say which resource
/// each expected condition belongs to, so a condition passes when any resource of the test's manifests reports it
/// (top level, per parent or per listener); named upstream checks are implemented where their target is clear.
/// </summary>
public static class StatusChecker
{
    /// <summary>The upstream status checks this runner implements; others are listed as not checked.</summary>
    public static readonly IReadOnlySet<string> Implemented = new HashSet<string>(StringComparer.Ordinal)
    {
        "GatewayAndHTTPRoutesMustBeAccepted", "GatewayAndRoutesMustBeAccepted", "GatewayMustHaveLatestConditions",
        "HTTPRouteMustHaveLatestConditions", "GatewayClassMustHaveLatestConditions", "GWCMustHaveAcceptedConditionAny",
        "GatewayStatusMustHaveListeners", "BackendTLSPolicyMustHaveLatestConditions",
    };

    private const string GatewayApiGroup = "gateway.networking.k8s.io";

    // Preconditions of request cases; on their own they say nothing about what the test is about.
    private static readonly HashSet<string> Preconditions = new(StringComparer.Ordinal) { "GatewayAndHTTPRoutesMustBeAccepted", "GatewayAndRoutesMustBeAccepted" };

    /// <summary>
    /// True when the test has a status expectation of its own this checker verifies (a test with no cases whose
    /// only checks are acceptance preconditions has its substance in Go code, and is skipped instead).
    /// </summary>
    public static bool HasChecks(ConformanceTest test) =>
        test.Conditions.Any(c => c.Unresolved is null) || test.ExpectedStatus.Count > 0 || test.Steps.Any(s => s.Status.Count > 0 || s.Cases.Count > 0 || s.Increased.Count > 0)
        || test.StatusChecks.Any(c => Implemented.Contains(c) && !Preconditions.Contains(c));

    /// <summary>
    /// Null when the status of <paramref name="resources"/> (the test's objects, fetched by <paramref name="fetch"/>)
    /// satisfies the test; otherwise the first problem.
    /// </summary>
    public static async Task<string?> CheckAsync(ConformanceTest test, IReadOnlyList<ResourceRef> resources, IReadOnlyList<GatewayTarget> targets, Func<ResourceRef, Task<JsonObject?>> fetch)
    {
        var objects = new List<(ResourceRef Ref, JsonObject Json)>();
        foreach (var r in resources.Where(r => r.Kind is "Gateway" or "ListenerSet" or "GatewayClass" or "HTTPRoute" or "GRPCRoute" or "TCPRoute" or "TLSRoute" or "BackendTLSPolicy"))
        {
            if (await fetch(r) is { } json)
            {
                objects.Add((r, json));
            }
        }

        foreach (var expected in test.Conditions.Where(c => c.Unresolved is null))
        {
            if (!objects.Any(o => AllConditions(o.Json).Any(c => Matches(c, expected))))
            {
                return $"no resource of the test reports condition {expected}";
            }
        }

        var checks = test.StatusChecks.ToHashSet(StringComparer.Ordinal);
        if (checks.Contains("GatewayAndHTTPRoutesMustBeAccepted") || checks.Contains("GatewayAndRoutesMustBeAccepted"))
        {
            foreach (var target in targets)
            {
                if (await fetch(new ResourceRef("Gateway", target.Namespace, target.Name)) is not { } gateway)
                {
                    return $"Gateway {target.Namespace}/{target.Name} is not known to the control plane";
                }

                foreach (var type in new[] { "Accepted", "Programmed" })
                {
                    if (!Conditions(gateway["status"]).Any(c => Matches(c, new ExpectedCondition(type, "True", null))))
                    {
                        return $"Gateway {target.Namespace}/{target.Name} is not {type}: {Describe(gateway["status"])}";
                    }
                }
            }
        }

        foreach (var (kind, check) in new[] { ("Gateway", "GatewayMustHaveLatestConditions"), ("HTTPRoute", "HTTPRouteMustHaveLatestConditions"), ("GatewayClass", "GatewayClassMustHaveLatestConditions"),
            ("BackendTLSPolicy", "BackendTLSPolicyMustHaveLatestConditions") })
        {
            if (!checks.Contains(check))
            {
                continue;
            }

            foreach (var (r, json) in objects.Where(o => o.Ref.Kind == kind))
            {
                var conditions = AllConditions(json).ToList();
                if (conditions.Count == 0)
                {
                    return $"{r} has no status conditions";
                }

                var generation = json["metadata"]?["generation"]?.GetValue<long>();
                if (generation is { } g && conditions.FirstOrDefault(c => c["observedGeneration"]?.GetValue<long>() != g) is { } stale)
                {
                    return $"{r}: condition {stale["type"]} has observedGeneration {stale["observedGeneration"]}, generation is {g}";
                }
            }
        }

        if (checks.Contains("GWCMustHaveAcceptedConditionAny"))
        {
            foreach (var (r, json) in objects.Where(o => o.Ref.Kind == "GatewayClass"))
            {
                if (!Conditions(json["status"]).Any(c => c["type"]?.GetValue<string>() == "Accepted"))
                {
                    return $"{r} has no Accepted condition";
                }
            }
        }

        if (checks.Contains("GatewayStatusMustHaveListeners"))
        {
            foreach (var (r, json) in objects.Where(o => o.Ref.Kind == "Gateway"))
            {
                if ((json["status"]?["listeners"] as JsonArray ?? []).Count == 0)
                {
                    return $"{r} reports no listener status";
                }
            }
        }

        foreach (var (key, expectation) in test.ExpectedStatus)
        {
            var reference = ResourceRef.FromKey(key);
            if (await fetch(reference) is not { } json)
            {
                return $"{reference} is not known to the control plane";
            }

            if (ObjectProblem(reference, json, expectation) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>Null when <paramref name="json"/> (the object <paramref name="reference"/>) shows what <paramref name="expected"/> asks; otherwise the first difference.</summary>
    public static string? ObjectProblem(ResourceRef reference, JsonObject json, StatusExpectation expected)
    {
        var status = json["status"];
        if (Missing(Conditions(status), expected.Conditions) is { } condition)
        {
            return $"{reference}: no condition {condition} ({Describe(status)})";
        }

        var listeners = (status?["listeners"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (expected.ListenerCount is { } count && listeners.Count != count)
        {
            return $"{reference}: {listeners.Count} listeners in status, expected {count}";
        }

        foreach (var (name, listenerExpected) in expected.Listeners)
        {
            if (listeners.FirstOrDefault(l => Str(l["name"]) == name) is not { } listener)
            {
                return $"{reference}: no status for listener {name}";
            }

            if (Missing(Conditions(listener), listenerExpected.Conditions) is { } missing)
            {
                return $"{reference} listener {name}: no condition {missing} ({Describe(listener)})";
            }

            if (listenerExpected.SupportedKinds is { } kinds)
            {
                var actualKinds = (listener["supportedKinds"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(k => $"{Str(k["group"]) ?? GatewayApiGroup}/{Str(k["kind"])}").Order(StringComparer.Ordinal).ToList();
                var expectedKinds = kinds.Select(k => k.Contains('/', StringComparison.Ordinal) ? k : $"{GatewayApiGroup}/{k}").Order(StringComparer.Ordinal).ToList();
                // As upstream's listenersMatch: each expected kind is supported (an implementation may support more); none expected means none.
                if (expectedKinds.Count == 0 ? actualKinds.Count > 0 : expectedKinds.Except(actualKinds, StringComparer.Ordinal).Any())
                {
                    return $"{reference} listener {name}: supportedKinds are [{string.Join(", ", actualKinds)}], expected {(expectedKinds.Count == 0 ? "none" : "to include " + string.Join(", ", expectedKinds))}";
                }
            }

            var attached = listener["attachedRoutes"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
            if (listenerExpected.AttachedRoutes is { } routes && attached != routes)
            {
                return $"{reference} listener {name}: attachedRoutes is {attached}, expected {routes}";
            }
        }

        var attachedSets = status?["attachedListenerSets"] is JsonValue a && a.TryGetValue<int>(out var sets) ? sets : 0;
        if (expected.AttachedListenerSets is { } expectedSets && attachedSets != expectedSets)
        {
            return $"{reference}: attachedListenerSets is {attachedSets}, expected {expectedSets}";
        }

        if (expected.Addresses is { } addresses)
        {
            var actual = (status?["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => new ExpectedAddress(Str(a["type"]), Str(a["value"]) ?? "")).ToList();
            if (actual.Count != addresses.Count || actual.Zip(addresses).Any(p => p.First.Value != p.Second.Value || p.Second.Type is { } type && p.First.Type != type))
            {
                return $"{reference}: status.addresses is [{string.Join(", ", actual)}], expected [{string.Join(", ", addresses)}]";
            }
        }

        var parents = (status?["parents"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (RefEntriesProblem(reference, parents, "parent", "parentRef", expected.Parents) is { } parentProblem)
        {
            return parentProblem;
        }

        var ancestors = (status?["ancestors"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (RefEntriesProblem(reference, ancestors, "ancestor", "ancestorRef", expected.Ancestors) is { } ancestorProblem)
        {
            return ancestorProblem;
        }

        if (expected.ExactParents && parents.Select(p => ParentKey(p, reference.Namespace)).FirstOrDefault(k => !expected.Parents.ContainsKey(k)) is { } extra)
        {
            return $"{reference}: status.parents has an entry for {extra}, which is not one of its parentRefs";
        }

        return null;
    }

    // Null when each expected parent (route) or ancestor (policy) has an entry holding its conditions; else the first that has not.
    private static string? RefEntriesProblem(ResourceRef reference, List<JsonObject> entries, string what, string refField,
        IReadOnlyDictionary<string, IReadOnlyList<ExpectedCondition>> expected)
    {
        foreach (var (key, conditions) in expected)
        {
            var ofKey = entries.Where(e => ParentKey(e, reference.Namespace, refField) == key).ToList();
            if (ofKey.Count == 0)
            {
                return $"{reference}: no status.{what}s entry for {key}";
            }

            if (!ofKey.Any(e => Missing(Conditions(e), conditions) is null))
            {
                return $"{reference} {what} {key}: no condition {Missing(Conditions(ofKey[0]), conditions)} ({Describe(ofKey[0])})";
            }
        }

        return null;
    }

    // "Kind/namespace/name" of a status.parents (or status.ancestors) entry; kind defaults to Gateway and namespace to the object's.
    private static string ParentKey(JsonObject parent, string? routeNamespace, string refField = "parentRef")
    {
        var reference = parent[refField];
        return $"{Str(reference?["kind"]) ?? "Gateway"}/{Str(reference?["namespace"]) ?? routeNamespace}/{Str(reference?["name"])}";
    }

    private static ExpectedCondition? Missing(IEnumerable<JsonObject> actual, IReadOnlyList<ExpectedCondition> expected)
    {
        var list = actual.ToList();
        return expected.FirstOrDefault(e => !list.Any(c => Matches(c, e)));
    }

    /// <summary>Every condition of a resource: its own, each parent's (routes) and each listener's (gateways).</summary>
    public static IEnumerable<JsonObject> AllConditions(JsonObject resource)
    {
        var status = resource["status"];
        return Conditions(status)
            .Concat((status?["parents"] as JsonArray ?? []).SelectMany(p => Conditions(p)))
            .Concat((status?["listeners"] as JsonArray ?? []).SelectMany(l => Conditions(l)))
            .Concat((status?["ancestors"] as JsonArray ?? []).SelectMany(a => Conditions(a)));
    }

    /// <summary>True when <paramref name="condition"/> has the expected type and, where given, status and reason.</summary>
    public static bool Matches(JsonObject condition, ExpectedCondition expected) =>
        Str(condition["type"]) == expected.Type
        && (string.IsNullOrEmpty(expected.Status) || Str(condition["status"]) == expected.Status)
        && (string.IsNullOrEmpty(expected.Reason) || Str(condition["reason"]) == expected.Reason);

    private static IEnumerable<JsonObject> Conditions(JsonNode? holder) => (holder?["conditions"] as JsonArray ?? []).OfType<JsonObject>();

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Describe(JsonNode? status) =>
        string.Join(", ", Conditions(status).Select(c => $"{Str(c["type"])}={Str(c["status"])} ({Str(c["reason"])})")) is { Length: > 0 } text ? text : "no conditions";
}
