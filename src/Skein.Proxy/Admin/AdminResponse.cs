using System.Buffers;
using System.Globalization;
using System.Text;

namespace Skein.Proxy.Admin;

/// <summary>An admin response: status, content type and a text body (every admin document is text: plain, JSON or Prometheus).</summary>
internal readonly record struct AdminResponse(int Status, string? ContentType, string Body)
{
    public const string PlainText = "text/plain; charset=utf-8";

    public const string Json = "application/json; charset=utf-8";

    public static AdminResponse Text(string body, int status = 200) => new(status, PlainText, body);

    /// <summary>A status with no body (404, 405, 400, ...).</summary>
    public static AdminResponse Empty(int status) => new(status, null, "");

    /// <summary>
    /// Encodes the status line, headers and (unless <paramref name="head"/>) the body into one pooled buffer, so the
    /// response leaves in a single send. Return the buffer to <see cref="ArrayPool{T}.Shared"/> once it is sent.
    /// </summary>
    public (byte[] Buffer, int Length) Encode(bool head, bool close, bool http10)
    {
        var bodyBytes = Encoding.UTF8.GetByteCount(Body);
        var headers = new StringBuilder(160)
            .Append("HTTP/1.1 ").Append(Status).Append(' ').Append(ReasonPhrase(Status)).Append("\r\n")
            .Append("Content-Length: ").Append(bodyBytes).Append("\r\n");
        if (ContentType is not null)
        {
            headers.Append("Content-Type: ").Append(ContentType).Append("\r\n");
        }

        headers.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        if (Status == 405)
        {
            headers.Append("Allow: GET, HEAD\r\n");
        }

        if (close)
        {
            headers.Append("Connection: close\r\n");
        }
        else if (http10)
        {
            headers.Append("Connection: keep-alive\r\n");
        }

        headers.Append("\r\n");
        // Header text is ASCII by construction (status, fixed names, content types, numbers, an RFC 1123 date).
        var headerText = headers.ToString();
        var length = headerText.Length + (head ? 0 : bodyBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var written = Encoding.ASCII.GetBytes(headerText, buffer);
        if (!head)
        {
            Encoding.UTF8.GetBytes(Body, buffer.AsSpan(written));
        }

        return (buffer, length);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    };
}
