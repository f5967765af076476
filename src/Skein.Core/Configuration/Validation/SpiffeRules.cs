namespace Skein.Core.Configuration;

/// <summary>SPIFFE ID and trust domain syntax, per the SPIFFE ID specification.</summary>
internal static class SpiffeRules
{
    private const string Scheme = "spiffe://";

    public static bool IsTrustDomain(string value) =>
        value.Length is > 0 and <= 255
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_');

    public static bool IsSpiffeId(string value)
    {
        if (!value.StartsWith(Scheme, StringComparison.Ordinal) || value.Length > 2048)
        {
            return false;
        }

        var rest = value[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var trustDomain = slash < 0 ? rest : rest[..slash];
        if (!IsTrustDomain(trustDomain))
        {
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        // Each path segment is non-empty, not "." or "..", and uses only letters, digits, '.', '-' and '_'.
        return rest[(slash + 1)..].Split('/').All(segment =>
            segment.Length > 0
            && segment is not "." and not ".."
            && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'));
    }
}
