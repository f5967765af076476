namespace Skein.Proxy.Hbone;

/// <summary>The client side of an HBONE connection: opens CONNECT tunnels over one HTTP/2 connection (TLS with ALPN h2, or h2c).</summary>
public sealed class HboneClientConnection : HboneConnection
{
    private readonly List<TaskCompletionSource> _capacityWaiters = [];
    private int _nextStreamId = 1;
    private int _pendingOpens;

    private HboneClientConnection(Stream transport, HboneConnectionOptions? options)
        : base(transport, options, isClient: true)
    {
    }

    /// <summary>Sends the connection preface and SETTINGS over <paramref name="transport"/> and starts reading; the connection owns the transport from here on.</summary>
    public static async Task<HboneClientConnection> StartAsync(Stream transport, HboneConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connection = new HboneClientConnection(transport, options);
        try
        {
            await connection.Writer.WriteRawAsync(connection.BuildOpeningFrames(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            connection.Abort(e);
            throw;
        }
        _ = connection.RunReadLoopAsync(expectPreface: false);
        return connection;
    }

    /// <summary>True when another tunnel can be opened now without waiting: open, not draining, under both stream limits.</summary>
    public bool CanOpenStream
    {
        get
        {
            lock (Sync)
            {
                return !IsClosed && !Draining && _nextStreamId > 0 && Streams.Count + _pendingOpens < StreamLimit;
            }
        }
    }

    private int StreamLimit => (int)Math.Min(Options.MaxConcurrentStreams, PeerMaxConcurrentStreams);

    private protected override bool HasPendingStreams => _pendingOpens > 0;

    private protected override int LastProcessedPeerStreamId => 0;

    /// <summary>Opens a tunnel with a classic CONNECT (<c>:method</c> and <c>:authority</c> only, RFC 9113 §8.5) and waits for the response.</summary>
    /// <param name="authority">The destination, <c>host:port</c>.</param>
    /// <param name="extraHeaders">Further request headers (lowercase names), e.g. <c>forwarded</c>, <c>baggage</c>, <c>traceparent</c>.</param>
    /// <param name="cancellationToken">Cancels waiting for a stream slot or for the response; the stream is reset.</param>
    /// <returns>The established tunnel, once the peer answered 200.</returns>
    /// <exception cref="HboneConnectException">The peer answered with another status.</exception>
    /// <exception cref="IOException">The connection is closed or draining, or the stream was reset or refused.</exception>
    /// <remarks>Waits while the connection is at its stream limit; check <see cref="CanOpenStream"/> to pick another connection instead.</remarks>
    public async Task<HboneStream> OpenTunnelAsync(string authority, IReadOnlyList<KeyValuePair<string, string>>? extraHeaders = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(authority);
        if (authority.AsSpan().IndexOfAny('\0', '\r', '\n') >= 0)
        {
            throw new ArgumentException("authority contains NUL, CR or LF", nameof(authority));
        }
        var request = new List<KeyValuePair<string, string>>(2 + (extraHeaders?.Count ?? 0))
        {
            new(HboneHeaders.Method, "CONNECT"),
            new(HboneHeaders.Authority, authority),
        };
        if (extraHeaders is not null)
        {
            for (var i = 0; i < extraHeaders.Count; i++)
            {
                HboneHeaders.ValidateOutgoing(extraHeaders[i].Key, extraHeaders[i].Value);
                request.Add(extraHeaders[i]);
            }
        }

        using var block = HboneHeaderBlock.Encode(request);
        await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        var stream = new HboneStream(this, 0, Options.InitialStreamWindowSize, 0, request, awaitResponse: true);
        var slotHeld = true;
        try
        {
            await Writer.WriteHeadersAsync(0, () =>
            {
                Register(stream);
                slotHeld = false;
                return stream.StreamId;
            }, block.Memory, endStream: false, resetAfter: null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (slotHeld)
            {
                ReleaseSlot();
            }
            stream.Dispose();
            throw;
        }

        List<KeyValuePair<string, string>> response;
        try
        {
            response = await stream.ResponseTask.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stream.Dispose();
            throw;
        }
        catch (Exception e)
        {
            stream.Dispose();
            throw e as IOException ?? new IOException(e.Message, e);
        }

        var status = 0;
        string? reason = null;
        foreach (var (name, value) in response)
        {
            if (name == HboneHeaders.Status)
            {
                status = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name == HboneHeaders.Reason)
            {
                reason = value;
            }
        }
        if (status == 200)
        {
            return stream;
        }
        stream.Dispose();
        throw new HboneConnectException(status, reason, response);
    }

    /// <summary>Sends GOAWAY (this client opens nothing more), lets open tunnels finish, then closes.</summary>
    public override Task ShutdownAsync(CancellationToken cancellationToken = default) => DrainAsync(0, cancellationToken);

    /// <summary>Called under the writer lock, so stream ids reach the wire in increasing order.</summary>
    private void Register(HboneStream stream)
    {
        lock (Sync)
        {
            if (IsClosed || Draining)
            {
                throw new IOException("HBONE connection is closing");
            }
            if (_nextStreamId <= 0)
            {
                throw new IOException("HBONE connection has used all its stream ids");
            }
            stream.StreamId = _nextStreamId;
            // Stream ids are 31-bit: when they run out the counter goes negative and the connection stops opening.
            _nextStreamId = _nextStreamId >= Http2Frames.MaxStreamId - 1 ? -1 : _nextStreamId + 2;
            stream.SendWindow.Window = PeerInitialWindowSize;
            Streams[stream.StreamId] = stream;
            _pendingOpens--;
        }
    }

    private async Task AcquireSlotAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (Sync)
            {
                if (IsClosed || Draining)
                {
                    throw new IOException(IsClosed ? "HBONE connection is closed" : "HBONE connection is draining (GOAWAY)");
                }
                if (_nextStreamId <= 0)
                {
                    throw new IOException("HBONE connection has used all its stream ids");
                }
                if (Streams.Count + _pendingOpens < StreamLimit)
                {
                    _pendingOpens++;
                    return;
                }
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _capacityWaiters.Add(waiter);
            }
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ReleaseSlot()
    {
        lock (Sync)
        {
            _pendingOpens--;
        }
        OnCapacityChanged();
        CheckDrained();
    }

    private protected override void OnCapacityChanged()
    {
        TaskCompletionSource[] waiters;
        lock (Sync)
        {
            if (_capacityWaiters.Count == 0)
            {
                return;
            }
            waiters = [.. _capacityWaiters];
            _capacityWaiters.Clear();
        }
        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    private protected override bool IsIdle(int streamId)
    {
        // Even ids would be server-initiated (push), which this client never allows.
        if ((streamId & 1) == 0)
        {
            return true;
        }
        lock (Sync)
        {
            return _nextStreamId > 0 && streamId >= _nextStreamId;
        }
    }

    private protected override void OnHeaders(int streamId, List<KeyValuePair<string, string>> headers, bool endStream)
    {
        if ((streamId & 1) == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "HEADERS on a server-initiated stream");
        }
        var stream = FindStream(streamId);
        if (stream is null)
        {
            if (IsIdle(streamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "HEADERS on an idle stream");
            }
            return;
        }
        if (stream.ResponseStarted)
        {
            // Trailers or a second response: nothing but DATA may follow a CONNECT response (§8.5).
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "unexpected HEADERS on an established tunnel");
        }
        if (HboneHeaders.ValidateResponse(headers, out var status) is { } error)
        {
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "malformed response: " + error);
        }
        if (status < 200)
        {
            // Interim responses are skipped; a final one follows.
            if (endStream)
            {
                throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "interim response with END_STREAM");
            }
            return;
        }
        stream.ResponseStarted = true;
        stream.SetResponse(headers);
        if (endStream)
        {
            OnRemoteEndStream(stream);
        }
    }
}
