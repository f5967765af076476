namespace Skein.Core.Configuration;

/// <summary>Label map rules, for metadata.labels and every matchLabels / selector map.</summary>
internal static class LabelRules
{
    public static void ValidateLabels(IReadOnlyDictionary<string, string>? labels, string path, DocumentContext context)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var (key, value) in labels)
        {
            var entryPath = FieldPath.Key(path, key);
            if (FormatRules.Check(Resources.FieldFormat.QualifiedName, key) is { } keyProblem)
            {
                context.Error(entryPath, keyProblem);
            }

            if (FormatRules.Check(Resources.FieldFormat.LabelValue, value) is { } valueProblem)
            {
                context.Error(entryPath, valueProblem);
            }
        }
    }

    public static void ValidateSelector(Resources.LabelSelector? selector, string path, DocumentContext context)
    {
        if (selector is null)
        {
            return;
        }

        ValidateLabels(selector.MatchLabels, FieldPath.Child(path, "matchLabels"), context);
        for (var i = 0; i < selector.MatchExpressions.Count; i++)
        {
            var expression = selector.MatchExpressions[i];
            var expressionPath = FieldPath.Index(FieldPath.Child(path, "matchExpressions"), i);
            var needsValues = expression.Operator is Resources.LabelSelectorOperator.In or Resources.LabelSelectorOperator.NotIn;
            if (needsValues && expression.Values.Count == 0)
            {
                context.Error(FieldPath.Child(expressionPath, "values"), $"must not be empty for operator {expression.Operator}");
            }
            else if (!needsValues && expression.Values.Count > 0)
            {
                context.Error(FieldPath.Child(expressionPath, "values"), $"must be empty for operator {expression.Operator}");
            }
        }
    }
}
