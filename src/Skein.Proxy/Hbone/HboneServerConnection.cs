using System.Globalization;

namespace Skein.Proxy.Hbone;

/// <summary>The server side of an HBONE connection: reads the preface, exchanges SETTINGS and hands each CONNECT to a callback.</summary>
public sealed class HboneServerConnection : HboneConnection
{
    private readonly HashSet<Task> _handlers = [];
    private Func<HboneRequest, Task>? _onRequest;
    private int _started;
    private int _lastPeerStreamId;
    private int _lastProcessedStreamId;

    /// <summary>Wraps an accepted transport (SslStream after ALPN h2, or a plain stream for h2c); the connection owns it.</summary>
    public HboneServerConnection(Stream transport, HboneConnectionOptions? options = null)
        : base(transport, options, isClient: false)
    {
    }

    private protected override int LastProcessedPeerStreamId
    {
        get { lock (Sync) { return _lastProcessedStreamId; } }
    }

    /// <summary>Serves the connection until it closes: each new request runs <paramref name="onRequest"/> on its own task.</summary>
    /// <remarks>Returns (without throwing) once the connection has closed and every callback has finished; a protocol
    /// error from the peer closes the connection with GOAWAY and shows in <see cref="HboneConnection.Error"/>.
    /// Cancelling <paramref name="cancellationToken"/> aborts the connection; use <see cref="ShutdownAsync"/> to drain.</remarks>
    public async Task RunAsync(Func<HboneRequest, Task> onRequest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onRequest);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync was already called");
        }
        _onRequest = onRequest;
        using var registration = cancellationToken.UnsafeRegister(static (s, token) =>
            ((HboneServerConnection)s!).Abort(new OperationCanceledException(token)), this);
        try
        {
            // The server preface is its SETTINGS; it need not wait for the client's (RFC 9113 §3.4).
            await Writer.WriteRawAsync(BuildOpeningFrames(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            Abort(e);
        }
        await RunReadLoopAsync(expectPreface: true).ConfigureAwait(false);

        while (true)
        {
            Task[] pending;
            lock (_handlers)
            {
                pending = [.. _handlers];
            }
            if (pending.Length == 0)
            {
                break;
            }
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <summary>Sends GOAWAY with the last processed stream id, lets open streams finish, then closes.</summary>
    public override Task ShutdownAsync(CancellationToken cancellationToken = default)
        => DrainAsync(LastProcessedPeerStreamId, cancellationToken);

    private protected override bool IsIdle(int streamId)
    {
        if ((streamId & 1) == 0)
        {
            return true;
        }
        lock (Sync)
        {
            return streamId > _lastPeerStreamId;
        }
    }

    private protected override void OnHeaders(int streamId, List<KeyValuePair<string, string>> headers, bool endStream)
    {
        if ((streamId & 1) == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "client used an even stream id");
        }
        HboneStream stream;
        lock (Sync)
        {
            if (Streams.ContainsKey(streamId))
            {
                // Trailers or a second request on an open stream: a CONNECT stream carries only DATA (§8.5).
                throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "unexpected HEADERS on an open stream");
            }
            if (streamId <= _lastPeerStreamId)
            {
                throw new Http2StreamException(streamId, Http2ErrorCode.StreamClosed, "HEADERS on a closed stream");
            }
            _lastPeerStreamId = streamId;
            if (Draining)
            {
                throw new Http2StreamException(streamId, Http2ErrorCode.RefusedStream, "connection is draining");
            }
            if (Streams.Count >= Options.MaxConcurrentStreams)
            {
                throw new Http2StreamException(streamId, Http2ErrorCode.RefusedStream, "too many concurrent streams");
            }
        }
        if (HboneHeaders.ValidateRequest(headers, out var method, out var authority) is { } error)
        {
            // Malformed (§8.1.1): a stream error, the connection carries on.
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "malformed request: " + error);
        }
        lock (Sync)
        {
            stream = new HboneStream(this, streamId, Options.InitialStreamWindowSize, PeerInitialWindowSize, headers, awaitResponse: false);
            Streams[streamId] = stream;
            _lastProcessedStreamId = streamId;
        }
        if (endStream)
        {
            stream.OnRemoteEnd();
        }
        var request = new HboneRequest(this, stream, method, authority);
        var handler = Task.Run(() => InvokeAsync(request));
        lock (_handlers)
        {
            if (!handler.IsCompleted)
            {
                _handlers.Add(handler);
            }
        }
        _ = handler.ContinueWith(static (t, s) =>
        {
            var handlers = (HashSet<Task>)s!;
            lock (handlers)
            {
                handlers.Remove(t);
            }
        }, _handlers, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task InvokeAsync(HboneRequest request)
    {
        try
        {
            await _onRequest!(request).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!request.IsAnswered)
            {
                ResetStream(request.Stream, Http2ErrorCode.InternalError, new IOException("HBONE request handler failed", e));
            }
            return;
        }
        if (!request.IsAnswered)
        {
            // The handler returned without answering: tell the client rather than leave the stream hanging.
            ResetStream(request.Stream, Http2ErrorCode.RefusedStream, new IOException("HBONE request was not answered"));
        }
    }

    internal async Task SendResponseAsync(HboneStream stream, int status, IReadOnlyList<KeyValuePair<string, string>>? extraHeaders, bool reject, CancellationToken cancellationToken)
    {
        var response = new List<KeyValuePair<string, string>>(1 + (extraHeaders?.Count ?? 0))
        {
            new(HboneHeaders.Status, status.ToString(CultureInfo.InvariantCulture)),
        };
        if (extraHeaders is not null)
        {
            for (var i = 0; i < extraHeaders.Count; i++)
            {
                HboneHeaders.ValidateOutgoing(extraHeaders[i].Key, extraHeaders[i].Value);
                response.Add(extraHeaders[i]);
            }
        }
        if (FindStream(stream.StreamId) != stream)
        {
            throw new HboneStreamResetException(Http2ErrorCode.Cancel, "the HBONE stream was reset before it was answered");
        }
        using var block = HboneHeaderBlock.Encode(response);
        // A rejection ends the response and resets the request side with NO_ERROR, closing the stream at once (§8.1).
        await Writer.WriteHeadersAsync(stream.StreamId, null, block.Memory, endStream: reject, reject ? Http2ErrorCode.NoError : null, cancellationToken).ConfigureAwait(false);
        stream.ResponseStarted = true;
        if (reject)
        {
            RemoveStream(stream);
            var error = new IOException($"HBONE request was rejected with {status}");
            SendFlow.FailStream(stream.SendWindow, error);
            ReleaseConnectionCredit(stream.Abort(error));
        }
    }
}
