namespace Skein.Proxy.Hbone;

/// <summary>Header names HBONE uses and the RFC 9113 §8 checks that decide whether a header section is well formed.</summary>
public static class HboneHeaders
{
    /// <summary>Request pseudo-header carrying the method.</summary>
    public const string Method = ":method";

    /// <summary>Request pseudo-header carrying the tunnel destination (host:port).</summary>
    public const string Authority = ":authority";

    /// <summary>Response pseudo-header carrying the status code.</summary>
    public const string Status = ":status";

    /// <summary>Optional response header carrying a human-readable reason for a rejection.</summary>
    public const string Reason = "skein-reason";

    internal const string Scheme = ":scheme";
    internal const string Path = ":path";
    internal const string Protocol = ":protocol";

    /// <summary>Validates a received request (§8.3.1, §8.5); returns an error description for a malformed one.</summary>
    internal static string? ValidateRequest(List<KeyValuePair<string, string>> headers, out string method, out string authority)
    {
        method = authority = string.Empty;
        string? scheme = null, path = null;
        bool hasMethod = false, hasAuthority = false, regularSeen = false;
        foreach (var (name, value) in headers)
        {
            if (ValidateValue(value) is { } valueError)
            {
                return valueError;
            }
            if (name.Length > 0 && name[0] == ':')
            {
                if (regularSeen)
                {
                    return "pseudo-header after a regular header";
                }
                switch (name)
                {
                    case Method when !hasMethod:
                        method = value;
                        hasMethod = true;
                        break;
                    case Authority when !hasAuthority:
                        authority = value;
                        hasAuthority = true;
                        break;
                    case Scheme when scheme is null:
                        scheme = value;
                        break;
                    case Path when path is null:
                        path = value;
                        break;
                    default:
                        // Duplicates, :status, and :protocol (no SETTINGS_ENABLE_CONNECT_PROTOCOL was offered).
                        return $"unexpected or repeated pseudo-header {name}";
                }
                continue;
            }
            regularSeen = true;
            if (ValidateRegularHeader(name, value) is { } error)
            {
                return error;
            }
        }

        if (!hasMethod || method.Length == 0)
        {
            return "missing :method";
        }
        if (method == "CONNECT")
        {
            if (scheme is not null || path is not null)
            {
                return "CONNECT must not carry :scheme or :path";
            }
            if (!hasAuthority || authority.Length == 0)
            {
                return "CONNECT without :authority";
            }
            return null;
        }
        if (scheme is null || path is null || path.Length == 0)
        {
            return "request without :scheme or :path";
        }
        return null;
    }

    /// <summary>Validates a received response (§8.3.2); returns an error description for a malformed one.</summary>
    internal static string? ValidateResponse(List<KeyValuePair<string, string>> headers, out int status)
    {
        status = 0;
        var regularSeen = false;
        foreach (var (name, value) in headers)
        {
            if (ValidateValue(value) is { } valueError)
            {
                return valueError;
            }
            if (name.Length > 0 && name[0] == ':')
            {
                if (regularSeen || name != Status || status != 0)
                {
                    return $"unexpected pseudo-header {name} in a response";
                }
                if (value.Length != 3 || !int.TryParse(value, out status) || status < 100)
                {
                    return $"invalid :status '{value}'";
                }
                continue;
            }
            regularSeen = true;
            if (ValidateRegularHeader(name, value) is { } error)
            {
                return error;
            }
        }
        return status == 0 ? "response without :status" : null;
    }

    /// <summary>Checks a header an application wants to send; throws rather than put a malformed field on the wire.</summary>
    internal static void ValidateOutgoing(string name, string value)
    {
        if (name.Length > 0 && name[0] == ':')
        {
            throw new ArgumentException($"pseudo-header {name} cannot be set as an extra header", nameof(name));
        }
        if ((ValidateRegularHeader(name, value) ?? ValidateValue(value)) is { } error)
        {
            throw new ArgumentException(error, nameof(name));
        }
    }

    /// <summary>Field names are lowercase tokens (§8.2.1), and connection-specific fields are banned (§8.2.2).</summary>
    private static string? ValidateRegularHeader(string name, string value)
    {
        if (name.Length == 0)
        {
            return "empty header name";
        }
        foreach (var c in name)
        {
            if (c <= 0x20 || c is >= 'A' and <= 'Z' || c >= 0x7F || c == ':')
            {
                return $"invalid header name '{name}'";
            }
        }
        switch (name)
        {
            case "connection":
            case "proxy-connection":
            case "keep-alive":
            case "transfer-encoding":
            case "upgrade":
                return $"connection-specific header {name}";
            case "te" when value != "trailers":
                return "te other than trailers";
            default:
                return null;
        }
    }

    private static string? ValidateValue(string value)
    {
        // NUL, CR and LF are banned anywhere (§8.2.1). Leading/trailing whitespace is tolerated for interop.
        return value.AsSpan().IndexOfAny('\0', '\r', '\n') >= 0 ? "header value contains NUL, CR or LF" : null;
    }
}
