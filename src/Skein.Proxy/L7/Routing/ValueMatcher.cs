using System.Text.RegularExpressions;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Routing;

/// <summary>A compiled header or query parameter value match (exact or regular expression).</summary>
public sealed class ValueMatcher(string name, StringMatch? match)
{
    private readonly Regex? _regex = match?.Kind == StringMatch.Types.Kind.RegularExpression ? RegexCache.Compile(match.Value) : null;
    private readonly string _value = match?.Value ?? "";

    public string Name { get; } = name;

    public bool Matches(string? value) => value is not null && (_regex?.IsMatch(value) ?? string.Equals(value, _value, StringComparison.Ordinal));
}
