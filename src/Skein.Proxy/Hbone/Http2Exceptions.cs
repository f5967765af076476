namespace Skein.Proxy.Hbone;

/// <summary>A connection error (RFC 9113 §5.4.1): the connection ends with GOAWAY carrying <see cref="Code"/>.</summary>
internal sealed class Http2ConnectionException(Http2ErrorCode code, string message) : Exception(message)
{
    public Http2ErrorCode Code { get; } = code;
}

/// <summary>A stream error (RFC 9113 §5.4.2): only the stream is reset, the connection carries on.</summary>
internal sealed class Http2StreamException(int streamId, Http2ErrorCode code, string message) : Exception(message)
{
    public int StreamId { get; } = streamId;

    public Http2ErrorCode Code { get; } = code;
}

/// <summary>A tunnel's CONNECT was answered with a status other than 200.</summary>
public sealed class HboneConnectException : IOException
{
    /// <summary>Creates the exception for a non-200 CONNECT response.</summary>
    public HboneConnectException(int status, string? reason, IReadOnlyList<KeyValuePair<string, string>> headers)
        : base(reason is null ? $"HBONE CONNECT was answered with status {status}" : $"HBONE CONNECT was answered with status {status}: {reason}")
    {
        Status = status;
        Reason = reason;
        Headers = headers;
    }

    /// <summary>The response's :status (e.g. 400, 401, 503).</summary>
    public int Status { get; }

    /// <summary>The peer's reason header, when it sent one.</summary>
    public string? Reason { get; }

    /// <summary>All response headers, pseudo-headers included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }
}

/// <summary>A stream was reset by the peer, or never processed because the connection went away.</summary>
public sealed class HboneStreamResetException(Http2ErrorCode code, string message) : IOException(message)
{
    /// <summary>The RST_STREAM or GOAWAY error code.</summary>
    public Http2ErrorCode Code { get; } = code;
}
