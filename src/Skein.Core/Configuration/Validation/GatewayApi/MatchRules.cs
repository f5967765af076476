using System.Text.RegularExpressions;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Path, header and query parameter match rules, including regular expression syntax.</summary>
internal static partial class MatchRules
{
    public static void ValidateHttpMatch(HTTPRouteMatch match, string path, DocumentContext context)
    {
        if (match.Path is { } pathMatch)
        {
            var valuePath = FieldPath.Child(path, "path.value");
            var problem = pathMatch.Type == PathMatchType.RegularExpression
                ? RegexProblem(pathMatch.Value)
                : PathProblem(pathMatch.Value);
            if (problem is not null)
            {
                context.Error(valuePath, problem);
            }
        }

        ValidateNamedMatches(match.Headers.Select(h => (h.Name, h.Type == HeaderMatchType.RegularExpression, h.Value)).ToList(), FieldPath.Child(path, "headers"), context);
        ValidateNamedMatches(match.QueryParams.Select(q => (q.Name, q.Type == QueryParamMatchType.RegularExpression, q.Value)).ToList(), FieldPath.Child(path, "queryParams"), context);
    }

    public static void ValidateNamedMatches(List<(string Name, bool IsRegex, string Value)> matches, string path, DocumentContext context)
    {
        // Exact duplicates are rejected like the API server's list-map does; case variants are left to precedence rules.
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < matches.Count; i++)
        {
            var (name, isRegex, value) = matches[i];
            var itemPath = FieldPath.Index(path, i);
            if (!names.TryAdd(name, i))
            {
                context.Error(FieldPath.Child(itemPath, "name"), $"duplicate name {YamlScalars.Quote(name)} (also {FieldPath.Index(path, names[name])})");
            }

            if (isRegex && RegexProblem(value) is { } problem)
            {
                context.Error(FieldPath.Child(itemPath, "value"), problem);
            }
        }
    }

    /// <summary>Syntax rules for Exact and PathPrefix values (and path rewrites), from the upstream CRD.</summary>
    public static string? PathProblem(string value)
    {
        if (!value.StartsWith('/'))
        {
            return "must be an absolute path starting with '/'";
        }

        foreach (var bad in new[] { "//", "/./", "/../", "%2f", "%2F", "#" })
        {
            if (value.Contains(bad, StringComparison.Ordinal))
            {
                return $"must not contain '{bad}'";
            }
        }

        if (value.EndsWith("/..", StringComparison.Ordinal) || value.EndsWith("/.", StringComparison.Ordinal))
        {
            return "must not end with '/.' or '/..'";
        }

        return PathCharacters().IsMatch(value) ? null : "contains characters that are not allowed in a path (percent-encode them)";
    }

    public static string? RegexProblem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return "invalid regular expression: " + e.Message;
        }
    }

    [GeneratedRegex(@"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$", RegexOptions.CultureInvariant)]
    private static partial Regex PathCharacters();
}
