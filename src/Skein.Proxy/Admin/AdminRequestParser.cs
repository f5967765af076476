using System.Buffers.Text;
using System.Text;

namespace Skein.Proxy.Admin;

/// <summary>How far an admin request's head (request line and headers) could be parsed.</summary>
internal enum AdminParseResult
{
    /// <summary>The head is complete and well formed.</summary>
    Complete,

    /// <summary>The head has not ended yet: read more bytes.</summary>
    Incomplete,

    /// <summary>Not HTTP/1.x syntax (400).</summary>
    Malformed,

    /// <summary>The head did not end within the size limit (431).</summary>
    TooLarge,

    /// <summary>Well formed, but an HTTP version other than 1.0 and 1.1 (505).</summary>
    UnsupportedVersion,
}

/// <summary>One parsed admin request: what the server needs to route it and to decide whether the connection stays open.</summary>
/// <param name="Method">The request method, as sent (methods are case-sensitive).</param>
/// <param name="Path">The percent-decoded path, e.g. <c>/config_dump</c>.</param>
/// <param name="Query">The raw query string without its <c>?</c>, e.g. <c>format=json</c>.</param>
/// <param name="KeepAlive">Whether the client lets the connection serve another request (HTTP/1.1 unless <c>Connection: close</c>; HTTP/1.0 only with <c>Connection: keep-alive</c>).</param>
/// <param name="HasBody">Whether the request announced a body, which the server does not read: the connection closes after the response.</param>
/// <param name="Http10">Whether the client spoke HTTP/1.0 (keep-alive then has to be confirmed in the response).</param>
internal readonly record struct AdminRequest(string Method, string Path, string Query, bool KeepAlive, bool HasBody, bool Http10);

/// <summary>Parses the head of an HTTP/1.1 request (RFC 9112 §2–§5) from the bytes received so far.</summary>
/// <remarks>
/// Strict on purpose: lines end in CRLF, header names are tokens with no whitespace before the colon, no obsolete
/// line folding, one Content-Length. Whatever fails that is answered 400 and the connection closed; the admin API
/// has no client that needs leniency.
/// </remarks>
internal static class AdminRequestParser
{
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>Parses the head at the start of <paramref name="buffer"/>; <paramref name="consumed"/> is its length including the blank line.</summary>
    public static AdminParseResult Parse(ReadOnlySpan<byte> buffer, int maxHeadBytes, out AdminRequest request, out int consumed)
    {
        request = default;
        consumed = 0;
        var end = buffer.IndexOf(EndOfHead);
        if (end < 0)
        {
            // A request line that cannot be HTTP, or a head ended with bare line feeds, is rejected without waiting
            // for a CRLF CRLF that will not come (until the size limit or the timeout).
            if ((buffer.Length > 0 && !IsTokenChar(buffer[0])) || buffer.IndexOf("\n\n"u8) >= 0)
            {
                return AdminParseResult.Malformed;
            }

            return buffer.Length >= maxHeadBytes ? AdminParseResult.TooLarge : AdminParseResult.Incomplete;
        }

        if (end + EndOfHead.Length > maxHeadBytes)
        {
            return AdminParseResult.TooLarge;
        }

        consumed = end + EndOfHead.Length;
        var head = buffer[..(end + CrLf.Length)];
        var lineEnd = head.IndexOf(CrLf);
        var status = ParseRequestLine(head[..lineEnd], out var method, out var target, out var http10);
        if (status != AdminParseResult.Complete)
        {
            return status;
        }

        var keepAlive = !http10;
        var hasBody = false;
        long? contentLength = null;
        var rest = head[(lineEnd + CrLf.Length)..];
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf(CrLf);
            var line = rest[..lineEnd];
            rest = rest[(lineEnd + CrLf.Length)..];
            if (!TryParseHeader(line, out var name, out var value))
            {
                return AdminParseResult.Malformed;
            }

            if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                foreach (var range in value.Split((byte)','))
                {
                    var option = value[range].Trim(" \t"u8);
                    if (Ascii.EqualsIgnoreCase(option, "close"u8))
                    {
                        keepAlive = false;
                    }
                    else if (http10 && Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
                    {
                        keepAlive = true;
                    }
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0
                    || (contentLength is { } earlier && earlier != length))
                {
                    return AdminParseResult.Malformed;
                }

                contentLength = length;
                hasBody |= length > 0;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                hasBody = true;
            }
        }

        if (!TrySplitTarget(target, out var path, out var query))
        {
            return AdminParseResult.Malformed;
        }

        request = new AdminRequest(Encoding.ASCII.GetString(method), path, query, keepAlive && !hasBody, hasBody, http10);
        return AdminParseResult.Complete;
    }

    /// <summary>method SP request-target SP HTTP-version.</summary>
    private static AdminParseResult ParseRequestLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> target, out bool http10)
    {
        method = target = default;
        http10 = false;
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        {
            return AdminParseResult.Malformed;
        }

        method = line[..firstSpace];
        target = line[(firstSpace + 1)..lastSpace];
        var version = line[(lastSpace + 1)..];
        foreach (var b in method)
        {
            if (!IsTokenChar(b))
            {
                return AdminParseResult.Malformed;
            }
        }

        foreach (var b in target)
        {
            // Visible ASCII only: no spaces, controls or raw UTF-8 in a request-target.
            if (b is <= 0x20 or >= 0x7F)
            {
                return AdminParseResult.Malformed;
            }
        }

        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            return AdminParseResult.Complete;
        }

        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            http10 = true;
            return AdminParseResult.Complete;
        }

        return version is [(byte)'H', (byte)'T', (byte)'T', (byte)'P', (byte)'/', >= (byte)'0' and <= (byte)'9', (byte)'.', >= (byte)'0' and <= (byte)'9']
            ? AdminParseResult.UnsupportedVersion
            : AdminParseResult.Malformed;
    }

    /// <summary>field-name ":" OWS field-value OWS, with a token name and a value free of control characters.</summary>
    private static bool TryParseHeader(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var b in name)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Origin form (<c>/path?query</c>) or absolute form (<c>http://host/path?query</c>, which a client talking through a proxy sends).</summary>
    private static bool TrySplitTarget(ReadOnlySpan<byte> target, out string path, out string query)
    {
        path = query = "";
        if (target.StartsWith("http://"u8) || target.StartsWith("https://"u8))
        {
            var authority = target[(target.IndexOf("//"u8) + 2)..];
            var slash = authority.IndexOfAny((byte)'/', (byte)'?');
            target = slash < 0 ? "/"u8 : authority[slash..];
            if (target[0] == (byte)'?')
            {
                query = Encoding.ASCII.GetString(target[1..]);
                path = "/";
                return true;
            }
        }

        if (target.IsEmpty || target[0] != (byte)'/')
        {
            return false;
        }

        var mark = target.IndexOf((byte)'?');
        var rawPath = mark < 0 ? target : target[..mark];
        query = mark < 0 ? "" : Encoding.ASCII.GetString(target[(mark + 1)..]);
        path = Uri.UnescapeDataString(Encoding.ASCII.GetString(rawPath));
        return true;
    }

    /// <summary>The first value of <paramref name="name"/> in a query string (<c>a=1&amp;b=2</c>), form-decoded; null when absent.</summary>
    public static string? QueryValue(string query, string name)
    {
        List<string>? values = null;
        foreach (var range in query.AsSpan().Split('&'))
        {
            var pair = query.AsSpan(range);
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (FormDecode(key) == name)
            {
                (values ??= []).Add(equals < 0 ? "" : FormDecode(pair[(equals + 1)..]));
            }
        }

        // Repeated keys join with commas, as ASP.NET Core's binding of a string parameter did.
        return values is null ? null : string.Join(',', values);
    }

    private static string FormDecode(ReadOnlySpan<char> text) => Uri.UnescapeDataString(text.ToString().Replace('+', ' '));

    /// <summary>tchar of RFC 9110 §5.6.2.</summary>
    private static bool IsTokenChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
