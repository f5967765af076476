using System.Text.RegularExpressions;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Routing;

/// <summary>A compiled Gateway API path match: exact, prefix on segment boundaries, or a whole-path regular expression.</summary>
public sealed class PathMatcher
{
    private readonly StringMatch.Types.Kind _kind;
    private readonly string _value;
    private readonly Regex? _regex;

    public PathMatcher(StringMatch? match)
    {
        _kind = match?.Kind ?? StringMatch.Types.Kind.Prefix;
        _value = match?.Value is { Length: > 0 } v ? v : "/";
        if (_kind == StringMatch.Types.Kind.Prefix)
        {
            // "/foo/" and "/foo" are the same prefix: the spec matches on whole segments either way.
            _value = _value.Length > 1 ? _value.TrimEnd('/') : _value;
            if (_value.Length == 0)
            {
                _value = "/";
            }
        }
        else if (_kind == StringMatch.Types.Kind.RegularExpression)
        {
            _regex = RegexCache.Compile(_value);
        }
    }

    /// <summary>The prefix this matcher matched on (normalized), for ReplacePrefixMatch; null unless a prefix match.</summary>
    public string? Prefix => _kind == StringMatch.Types.Kind.Prefix ? _value : null;

    public bool Matches(string path) => _kind switch
    {
        StringMatch.Types.Kind.Exact => string.Equals(path, _value, StringComparison.Ordinal),
        StringMatch.Types.Kind.RegularExpression => _regex!.IsMatch(path),
        _ => IsPrefixOnSegment(path, _value),
    };

    /// <summary>True when <paramref name="prefix"/> (without trailing slash) covers whole leading segments of <paramref name="path"/>.</summary>
    public static bool IsPrefixOnSegment(string path, string prefix)
    {
        if (prefix == "/")
        {
            return true;
        }

        return path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');
    }
}

/// <summary>Regular expressions of route matches, anchored to the whole value (as Envoy's RE2 safe_regex matches) and bounded in time.</summary>
public static class RegexCache
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <exception cref="ArgumentException">The pattern does not compile.</exception>
    public static Regex Compile(string pattern) =>
        new($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
}
