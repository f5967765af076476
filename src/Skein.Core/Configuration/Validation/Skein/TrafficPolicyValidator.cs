using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>TrafficPolicy rules: Service targets, retry conditions, timeout ordering.</summary>
internal static class TrafficPolicyValidator
{
    private static readonly string[] RetryConditions =
    [
        "5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream",
        "retriable-status-codes", "retriable-headers", "cancelled", "deadline-exceeded",
        "internal", "resource-exhausted", "unavailable",
    ];

    public static void Validate(TrafficPolicyResource policy, DocumentContext context)
    {
        var spec = policy.Spec;
        for (var i = 0; i < spec.TargetRefs.Count; i++)
        {
            TargetRefRules.ValidateService(spec.TargetRefs[i], FieldPath.Index("spec.targetRefs", i), context);
        }

        if (spec.Retries is { } retries)
        {
            for (var i = 0; i < retries.RetryOn.Count; i++)
            {
                var condition = retries.RetryOn[i];
                if (!RetryConditions.Contains(condition, StringComparer.Ordinal) && !IsStatusCode(condition))
                {
                    var suggestion = Suggestions.Closest(condition, RetryConditions);
                    var hint = suggestion is null ? "" : $" (did you mean {YamlScalars.Quote(suggestion)}?)";
                    context.Error(FieldPath.Index("spec.retries.retryOn", i), $"unknown retry condition {YamlScalars.Quote(condition)}{hint}: use one of {string.Join(", ", RetryConditions)} or a status code");
                }
            }
        }

        if (spec.Timeouts is { Request: { } request, BackendRequest: { } backend }
            && Duration.TryParse(request, out var total) && Duration.TryParse(backend, out var perBackend)
            && total > TimeSpan.Zero && perBackend > total)
        {
            context.Error("spec.timeouts.backendRequest", $"must not be longer than the request timeout ({request})");
        }
    }

    private static bool IsStatusCode(string value) =>
        value.Length == 3 && value.All(char.IsAsciiDigit) && value[0] is >= '1' and <= '5';
}
