using System.Text;

namespace Skein.Core.Identity;

/// <summary>A validated SPIFFE ID (<c>spiffe://trust-domain/path</c>) as defined by the SPIFFE-ID specification.</summary>
/// <remarks>
/// Instances only come from <see cref="TryParse"/>, <see cref="Parse"/> or <see cref="ForWorkload"/>, so a
/// non-default value is always well formed. Equality is ordinal on both parts: the grammar admits no case
/// folding in the trust domain and the path is case sensitive, so two IDs are the same identity only when
/// they are byte-for-byte equal.
/// </remarks>
public readonly record struct SpiffeId
{
    /// <summary>The only URI scheme a SPIFFE ID may use.</summary>
    public const string Scheme = "spiffe";

    /// <summary>Longest SPIFFE ID, in bytes, that implementations must accept (SPIFFE-ID §2.3).</summary>
    public const int MaxLength = 2048;

    /// <summary>Longest trust domain name, in bytes (the RFC 3986 host limit, SPIFFE-ID §2.3).</summary>
    public const int MaxTrustDomainLength = 255;

    private const string Prefix = Scheme + "://";

    private readonly string? _trustDomain;
    private readonly string? _path;

    // The canonical form, kept from parsing: proxies format an ID for pool keys, logs and headers on every connection.
    private readonly string? _text;

    private SpiffeId(string trustDomain, string path, string text)
    {
        _trustDomain = trustDomain;
        _path = path;
        _text = text;
    }

    /// <summary>The trust domain name, e.g. <c>cluster.local</c>; empty only for <c>default(SpiffeId)</c>.</summary>
    public string TrustDomain => _trustDomain ?? string.Empty;

    /// <summary>The path including its leading <c>/</c> (e.g. <c>/ns/shop/sa/web</c>), or empty when the ID names the trust domain itself.</summary>
    public string Path => _path ?? string.Empty;

    /// <summary>The canonical URI form, <c>spiffe://trust-domain/path</c>; empty for <c>default(SpiffeId)</c>.</summary>
    public override string ToString() => _text ?? string.Empty;

    /// <summary>Parses a SPIFFE ID, throwing <see cref="FormatException"/> whose message says which rule was broken.</summary>
    public static SpiffeId Parse(string text)
    {
        if (!TryParse(text, out var id, out var error))
        {
            throw new FormatException(error);
        }

        return id;
    }

    /// <summary>Parses a SPIFFE ID; on failure <paramref name="error"/> names the rule that was broken.</summary>
    public static bool TryParse(string? text, out SpiffeId id, out string error)
    {
        id = default;
        var problem = Check(text, out var trustDomain, out var path);
        if (problem is not null)
        {
            error = problem;
            return false;
        }

        // A valid ID has a single spelling (lower-case trust domain, no normalisation of the path), so the input is canonical.
        id = new SpiffeId(trustDomain, path, text!);
        error = string.Empty;
        return true;
    }

    /// <summary>Builds the Istio-style workload ID <c>spiffe://td/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>, throwing <see cref="ArgumentException"/> if any part is invalid.</summary>
    public static SpiffeId ForWorkload(string trustDomain, string ns, string serviceAccount)
    {
        ArgumentException.ThrowIfNullOrEmpty(trustDomain);
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);

        // A '/' inside a part would still parse, but as extra segments that name a different
        // identity (ns "a/sa/b" would forge another workload's path), so refuse it outright.
        if (ns.Contains('/'))
        {
            throw new ArgumentException("namespace must be a single path segment (no '/')", nameof(ns));
        }

        if (serviceAccount.Contains('/'))
        {
            throw new ArgumentException("service account must be a single path segment (no '/')", nameof(serviceAccount));
        }

        var text = $"{Prefix}{trustDomain}/ns/{ns}/sa/{serviceAccount}";
        if (!TryParse(text, out var id, out var error))
        {
            throw new ArgumentException($"cannot build a workload SPIFFE ID: {error}");
        }

        return id;
    }

    /// <summary>Reads the namespace and service account from an Istio-style path <c>/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>; false for any other shape.</summary>
    public bool TryGetWorkload(out string ns, out string serviceAccount)
    {
        ns = string.Empty;
        serviceAccount = string.Empty;

        // Exactly four segments: anything longer is a different naming scheme, not a sub-identity.
        var parts = Path.Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa")
        {
            return false;
        }

        ns = parts[2];
        serviceAccount = parts[4];
        return true;
    }

    /// <summary>Checks a bare trust domain name with the same rules as the authority of a SPIFFE ID; null when valid.</summary>
    internal static string? CheckTrustDomain(ReadOnlySpan<char> trustDomain)
    {
        if (trustDomain.IsEmpty)
        {
            return "trust domain is empty";
        }

        // userinfo and port are legal URI authority parts, so name them rather than
        // reporting a bare "invalid character" that would leave the reader guessing.
        if (trustDomain.Contains('@'))
        {
            return "trust domain must not contain userinfo ('@')";
        }

        if (trustDomain.Contains(':'))
        {
            return "trust domain must not contain a port (':')";
        }

        var bytes = Encoding.UTF8.GetByteCount(trustDomain);
        if (bytes > MaxTrustDomainLength)
        {
            return $"trust domain is {bytes} bytes long; the maximum is {MaxTrustDomainLength}";
        }

        foreach (var c in trustDomain)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return $"trust domain must be lowercase (found {Describe(c)})";
            }

            if (c == '%')
            {
                return "trust domain must not contain percent-encoded characters";
            }

            if (!IsTrustDomainChar(c))
            {
                return $"trust domain contains invalid character {Describe(c)}";
            }
        }

        return null;
    }

    private static string? Check(string? text, out string trustDomain, out string path)
    {
        trustDomain = string.Empty;
        path = string.Empty;

        if (string.IsNullOrEmpty(text))
        {
            return "SPIFFE ID is empty";
        }

        // Bound the work before scanning: the spec caps interoperable IDs at 2048 bytes.
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > MaxLength)
        {
            return $"SPIFFE ID is {bytes} bytes long; the maximum is {MaxLength}";
        }

        var schemeError = CheckScheme(text);
        if (schemeError is not null)
        {
            return schemeError;
        }

        // Query and fragment are rejected wherever they start, so "td?x" is reported as a
        // query rather than as an odd trust domain character.
        var special = text.IndexOfAny(['?', '#']);
        if (special >= 0)
        {
            return text[special] == '?'
                ? "SPIFFE ID must not contain a query ('?')"
                : "SPIFFE ID must not contain a fragment ('#')";
        }

        var rest = text.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var pathSpan = slash < 0 ? ReadOnlySpan<char>.Empty : rest[slash..];

        var error = CheckTrustDomain(authority) ?? CheckPath(pathSpan);
        if (error is not null)
        {
            return error;
        }

        trustDomain = authority.ToString();
        path = pathSpan.ToString();
        return null;
    }

    private static string? CheckScheme(string text)
    {
        var colon = text.IndexOf(':');
        var slash = text.IndexOf('/');
        if (colon <= 0 || (slash >= 0 && slash < colon))
        {
            return "SPIFFE ID has no scheme; it must start with 'spiffe://'";
        }

        var scheme = text.AsSpan(0, colon);
        if (!scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "SPIFFE ID scheme must be 'spiffe'";
        }

        // RFC 3986 treats schemes case-insensitively, but SPIFFE IDs are compared as
        // strings, so only the canonical lowercase spelling is accepted.
        if (!scheme.SequenceEqual(Scheme))
        {
            return "SPIFFE ID scheme must be lowercase 'spiffe'";
        }

        if (!text.AsSpan(colon + 1).StartsWith("//"))
        {
            return "'spiffe:' must be followed by '//' and a trust domain";
        }

        return null;
    }

    private static string? CheckPath(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty)
        {
            return null;
        }

        // path[0] is the '/' that ended the authority; walk the segments after it.
        var rest = path[1..];
        while (true)
        {
            var end = rest.IndexOf('/');
            var segment = end < 0 ? rest : rest[..end];
            var isLast = end < 0;

            if (segment.IsEmpty)
            {
                return isLast
                    ? "path must not end with '/'"
                    : "path must not contain empty segments ('//')";
            }

            // Relative segments would let two spellings name one identity, or climb out of a prefix
            // an authorization rule matched on.
            if (segment is "." or "..")
            {
                return $"path must not contain '{segment}' segments";
            }

            foreach (var c in segment)
            {
                if (c == '%')
                {
                    return "path must not contain percent-encoded characters";
                }

                if (!IsPathChar(c))
                {
                    return $"path contains invalid character {Describe(c)}";
                }
            }

            if (isLast)
            {
                return null;
            }

            rest = rest[(end + 1)..];
        }
    }

    private static bool IsTrustDomainChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_';

    private static bool IsPathChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_';

    // Quote printable ASCII as-is; show anything else as a code point so error messages
    // (which end up in logs) never carry raw control characters from untrusted input.
    private static string Describe(char c) =>
        c is >= ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";
}
