namespace Skein.Proxy.Hbone;

/// <summary>An incoming HBONE request (a new HTTP/2 stream), answered once with <see cref="AcceptAsync"/> or <see cref="RejectAsync"/>.</summary>
/// <remarks>The codec has already reset malformed requests; whether a well-formed one is acceptable (method, authority, policy) is the caller's call.</remarks>
public sealed class HboneRequest
{
    private readonly HboneServerConnection _connection;
    private readonly HboneStream _stream;
    private int _answered;

    internal HboneRequest(HboneServerConnection connection, HboneStream stream, string method, string authority)
    {
        _connection = connection;
        _stream = stream;
        Method = method;
        Authority = authority;
    }

    /// <summary>The HTTP/2 stream id.</summary>
    public int StreamId => _stream.StreamId;

    /// <summary>The request method; HBONE tunnels use CONNECT.</summary>
    public string Method { get; }

    /// <summary>The <c>:authority</c> (the tunnel destination, <c>host:port</c>), or empty when absent.</summary>
    public string Authority { get; }

    /// <summary>Every request header in arrival order, pseudo-headers included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _stream.RequestHeaders;

    /// <summary>True once the request was accepted or rejected.</summary>
    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    internal HboneStream Stream => _stream;

    /// <summary>The first value of a header (names are lowercase on the wire), or null.</summary>
    public string? GetHeader(string name)
    {
        foreach (var (key, value) in _stream.RequestHeaders)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>Answers <c>:status 200</c> (plus optional headers) and returns the tunnel.</summary>
    /// <exception cref="IOException">The client reset the stream or the connection closed first.</exception>
    public async Task<HboneStream> AcceptAsync(IReadOnlyList<KeyValuePair<string, string>>? responseHeaders = null, CancellationToken cancellationToken = default)
    {
        MarkAnswered();
        await _connection.SendResponseAsync(_stream, 200, responseHeaders, reject: false, cancellationToken).ConfigureAwait(false);
        return _stream;
    }

    /// <summary>Answers with an error status (e.g. 400, 401, 503), optionally with a reason header, and closes the stream.</summary>
    public Task RejectAsync(int status, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (status is < 300 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(status), "a rejection needs a 3xx, 4xx or 5xx status");
        }
        MarkAnswered();
        IReadOnlyList<KeyValuePair<string, string>>? headers = reason is null ? null : [new(HboneHeaders.Reason, reason)];
        return _connection.SendResponseAsync(_stream, status, headers, reject: true, cancellationToken);
    }

    private void MarkAnswered()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException("this HBONE request was already answered");
        }
    }
}
