using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Evaluates a Kubernetes label selector (matchLabels and matchExpressions) against labels.</summary>
public static class LabelSelectorMatcher
{
    public static bool Matches(LabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector.MatchLabels)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions)
        {
            var present = labels.TryGetValue(requirement.Key, out var actual);
            var holds = requirement.Operator switch
            {
                LabelSelectorOperator.In => present && requirement.Values.Contains(actual!),
                LabelSelectorOperator.NotIn => !present || !requirement.Values.Contains(actual!),
                LabelSelectorOperator.Exists => present,
                LabelSelectorOperator.DoesNotExist => !present,
                _ => false,
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }
}
