using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>AuthorizationPolicy rules: selector xor targetRefs, supported targets, non-empty clauses, known condition keys.</summary>
internal static class AuthorizationPolicyValidator
{
    private static readonly string[] ConditionKeys =
    [
        "source.ip", "remote.ip", "source.namespace", "source.principal",
        "destination.ip", "destination.port", "connection.sni",
        "request.auth.principal", "request.auth.audiences", "request.auth.presenter",
    ];

    private static readonly string[] ConditionKeyPrefixes = ["request.headers[", "request.auth.claims["];

    public static void Validate(AuthorizationPolicyResource policy, DocumentContext context)
    {
        var spec = policy.Spec;
        LabelRules.ValidateLabels(spec.Selector?.MatchLabels, "spec.selector.matchLabels", context);
        if (spec.Selector is not null && spec.TargetRefs.Count > 0)
        {
            context.Error("spec.targetRefs", "selector and targetRefs are mutually exclusive");
        }

        for (var i = 0; i < spec.TargetRefs.Count; i++)
        {
            TargetRefRules.ValidateGatewayOrService(spec.TargetRefs[i], FieldPath.Index("spec.targetRefs", i), context);
        }

        for (var r = 0; r < spec.Rules.Count; r++)
        {
            ValidateRule(spec.Rules[r], FieldPath.Index("spec.rules", r), context);
        }
    }

    private static void ValidateRule(AuthorizationRule rule, string path, DocumentContext context)
    {
        for (var i = 0; i < rule.From.Count; i++)
        {
            var source = rule.From[i].Source;
            var sourcePath = FieldPath.Child(FieldPath.Index(FieldPath.Child(path, "from"), i), "source");
            var empty = source.Principals.Count + source.NotPrincipals.Count + source.Namespaces.Count
                + source.NotNamespaces.Count + source.IpBlocks.Count + source.NotIpBlocks.Count == 0;
            if (empty)
            {
                context.Error(sourcePath, "must set at least one field");
            }
        }

        for (var i = 0; i < rule.To.Count; i++)
        {
            var operation = rule.To[i].Operation;
            var operationPath = FieldPath.Child(FieldPath.Index(FieldPath.Child(path, "to"), i), "operation");
            var empty = operation.Ports.Count + operation.NotPorts.Count + operation.Methods.Count + operation.NotMethods.Count
                + operation.Paths.Count + operation.NotPaths.Count + operation.Hosts.Count + operation.NotHosts.Count == 0;
            if (empty)
            {
                context.Error(operationPath, "must set at least one field");
            }

            ValidatePaths(operation.Paths, FieldPath.Child(operationPath, "paths"), context);
            ValidatePaths(operation.NotPaths, FieldPath.Child(operationPath, "notPaths"), context);
        }

        for (var i = 0; i < rule.When.Count; i++)
        {
            var condition = rule.When[i];
            var conditionPath = FieldPath.Index(FieldPath.Child(path, "when"), i);
            if (condition.Key.Length > 0 && !IsKnownKey(condition.Key))
            {
                var suggestion = Suggestions.Closest(condition.Key, ConditionKeys, maxDistance: 3);
                var hint = suggestion is null ? "" : $" (did you mean {YamlScalars.Quote(suggestion)}?)";
                context.Error(FieldPath.Child(conditionPath, "key"), $"unknown condition key {YamlScalars.Quote(condition.Key)}{hint}");
            }

            if (condition.Values.Count == 0 && condition.NotValues.Count == 0)
            {
                context.Error(conditionPath, "must set values or notValues");
            }
        }
    }

    private static void ValidatePaths(List<string> paths, string path, DocumentContext context)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            if (!paths[i].StartsWith('/') && !paths[i].StartsWith('*'))
            {
                context.Error(FieldPath.Index(path, i), $"{YamlScalars.Quote(paths[i])} must start with '/' (or '*' for a suffix match)");
            }
        }
    }

    private static bool IsKnownKey(string key) =>
        ConditionKeys.Contains(key, StringComparer.Ordinal)
        || ConditionKeyPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal) && key.EndsWith(']') && key.Length > p.Length + 1);
}
