using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>The spec's path modifiers: replace the full path, or replace the matched prefix on segment boundaries.</summary>
public static class PathRewriter
{
    /// <summary>Returns the new path for <paramref name="path"/>, which matched the (normalized) <paramref name="matchedPrefix"/>.</summary>
    /// <remarks>
    /// ReplacePrefixMatch follows the spec's table: with prefix "/foo", "/foo/bar" becomes "/xyz/bar" for
    /// "/xyz" and "/xyz/", "/bar" for "/"; "/foo" becomes "/xyz" or "/". A trailing slash on either side
    /// never doubles or drops the segment separator.
    /// </remarks>
    public static string Rewrite(PathModifier modifier, string path, string? matchedPrefix)
    {
        if (modifier.Kind == PathModifier.Types.Kind.ReplaceFullPath)
        {
            return modifier.Value.Length == 0 ? "/" : modifier.Value;
        }

        var prefix = matchedPrefix is null or "/" ? "" : matchedPrefix.TrimEnd('/');
        var rest = path.Length >= prefix.Length ? path[prefix.Length..] : "";
        var replacement = modifier.Value.TrimEnd('/');
        if (rest.Length > 0 && rest[0] != '/')
        {
            // The prefix "/" matched "/foo": keep the separator the prefix consumed.
            rest = "/" + rest;
        }

        if (prefix.Length == 0 && rest == "/")
        {
            // The prefix "/" matched the root path: the whole path is the matched prefix.
            rest = "";
        }

        var result = replacement + rest;
        return result.Length == 0 ? "/" : result;
    }
}
