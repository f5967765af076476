using System.Diagnostics;

namespace Skein.Proxy.Hbone;

/// <summary>The HTTP/2 connection shared by HBONE clients and servers: framing, stream table, flow control, PING, GOAWAY.</summary>
/// <remarks>
/// <para>One read loop owns the transport's read side and the HPACK decoder; every write goes through
/// <see cref="Http2FrameWriter"/>. Peer misbehaviour never escapes as an exception: connection errors end
/// with GOAWAY and the right code, stream errors with RST_STREAM, and an unexpected fault with GOAWAY
/// INTERNAL_ERROR, after which <see cref="Completion"/> completes and <see cref="Error"/> says why.</para>
/// </remarks>
public abstract partial class HboneConnection : IAsyncDisposable
{
    private const int MaxHeaderBlockFactor = 2;

    private readonly Http2FrameReader _reader;
    private readonly HpackDecoder _decoder;
    private readonly ReceiveWindow _connectionReceiveWindow;
    private readonly CancellationTokenSource _abortCts = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<ulong, TaskCompletionSource> _pings = [];
    private readonly bool _isClient;
    private ulong _nextPing;
    private int _aborted;
    private bool _readLoopStarted;
    private bool _closing;
    private bool _settingsReceived;
    private bool _goAwaySent;
    private long _lastFrameTicks = Environment.TickCount64;

    // A header block being assembled from HEADERS + CONTINUATION.
    private byte[]? _headerBlock;
    private int _headerBlockLength;
    private int _headerStreamId;
    private bool _headerEndStream;
    private bool _headerSelfDependent;

    private protected HboneConnection(Stream transport, HboneConnectionOptions? options, bool isClient)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Options = options ?? new HboneConnectionOptions();
        Options.Validate();
        Transport = transport;
        _isClient = isClient;
        _reader = new Http2FrameReader(transport);
        _decoder = new HpackDecoder(Http2Frames.DefaultHeaderTableSize, Options.MaxHeaderListSize);
        _connectionReceiveWindow = new ReceiveWindow(Options.ConnectionWindowSize);
        Writer = new Http2FrameWriter(transport, e => Abort(e), _abortCts.Token);
    }

    private protected Stream Transport { get; }

    internal HboneConnectionOptions Options { get; }

    internal Http2FrameWriter Writer { get; }

    internal SendFlowControl SendFlow { get; } = new();

    /// <summary>Guards the stream table and the connection's lifecycle flags.</summary>
    private protected object Sync { get; } = new();

    private protected Dictionary<int, HboneStream> Streams { get; } = [];

    /// <summary>Set once GOAWAY was sent or received: no new streams.</summary>
    private protected bool Draining { get; set; }

    /// <summary>The peer's SETTINGS_INITIAL_WINDOW_SIZE: the send window each new stream starts with.</summary>
    private protected int PeerInitialWindowSize { get; private set; } = Http2Frames.DefaultInitialWindowSize;

    /// <summary>The peer's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says otherwise).</summary>
    private protected long PeerMaxConcurrentStreams { get; private set; } = long.MaxValue;

    /// <summary>Streams currently open or half-closed on this connection.</summary>
    public int ActiveStreams
    {
        get { lock (Sync) { return Streams.Count; } }
    }

    /// <summary>True once the connection is closed (or closing) and can carry nothing more.</summary>
    public bool IsClosed => Volatile.Read(ref _aborted) != 0;

    /// <summary>True once GOAWAY was sent or received.</summary>
    public bool IsDraining
    {
        get { lock (Sync) { return Draining; } }
    }

    /// <summary>Completes when the connection has closed and its transport is disposed; never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection closed: null for a graceful close or a clean end of stream.</summary>
    public Exception? Error { get; private set; }

    /// <summary>The error code of a GOAWAY received from the peer, if any.</summary>
    public Http2ErrorCode? PeerGoAwayCode { get; private set; }

    /// <summary>Sends GOAWAY, lets open streams finish, then closes; cancellation aborts the drain.</summary>
    public abstract Task ShutdownAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends a PING and returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ulong opaque;
        lock (_pings)
        {
            if (IsClosed)
            {
                throw new IOException("HTTP/2 connection is closed");
            }
            opaque = ++_nextPing;
            _pings[opaque] = pong;
        }
        var started = Stopwatch.GetTimestamp();
        Writer.EnqueuePing(opaque, ack: false);
        try
        {
            await pong.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_pings)
            {
                _pings.Remove(opaque);
            }
        }
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Closes at once: open streams fail with <see cref="IOException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Abort(null);
        await Completion.ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    // ---- startup ----

    /// <summary>SETTINGS (and the connection WINDOW_UPDATE) this endpoint opens with; the client prefixes the preface.</summary>
    private protected byte[] BuildOpeningFrames()
    {
        Span<(Http2SettingId, uint)> settings = stackalloc (Http2SettingId, uint)[5];
        var count = 0;
        if (_isClient)
        {
            settings[count++] = (Http2SettingId.EnablePush, 0);
        }
        else
        {
            settings[count++] = (Http2SettingId.MaxConcurrentStreams, (uint)Options.MaxConcurrentStreams);
        }
        settings[count++] = (Http2SettingId.InitialWindowSize, (uint)Options.InitialStreamWindowSize);
        settings[count++] = (Http2SettingId.MaxFrameSize, (uint)Options.MaxFrameSize);
        settings[count++] = (Http2SettingId.MaxHeaderListSize, (uint)Options.MaxHeaderListSize);

        var preface = _isClient ? Http2Frames.ClientPreface.Length : 0;
        var frames = new byte[preface + Http2FrameHeader.Size + count * Http2Frames.SettingsEntrySize + Http2Frames.WindowUpdateSize];
        var length = 0;
        if (_isClient)
        {
            Http2Frames.ClientPreface.CopyTo(frames);
            length = preface;
        }
        length += Http2Frames.WriteSettings(frames.AsSpan(length), settings.Slice(0, count));
        var raise = Options.ConnectionWindowSize - Http2Frames.DefaultInitialWindowSize;
        if (raise > 0)
        {
            length += Http2Frames.WriteWindowUpdate(frames.AsSpan(length), 0, raise);
        }
        return frames.AsSpan(0, length).ToArray();
    }

    /// <summary>Runs the read loop (and keepalive) until the connection ends; never throws.</summary>
    private protected Task RunReadLoopAsync(bool expectPreface)
    {
        lock (Sync)
        {
            _readLoopStarted = true;
        }
        if (IsClosed)
        {
            _completion.TrySetResult();
            return Completion;
        }
        if (Options.KeepAliveInterval is { } interval)
        {
            _ = KeepAliveLoopAsync(interval);
        }
        return ReadLoopAsync(expectPreface);
    }

    // ---- role-specific hooks ----

    /// <summary>A complete header block arrived for a stream.</summary>
    private protected abstract void OnHeaders(int streamId, List<KeyValuePair<string, string>> headers, bool endStream);

    /// <summary>True when the id belongs to a stream that was never opened (frames on it are connection errors).</summary>
    private protected abstract bool IsIdle(int streamId);

    private protected bool IsLocallyInitiated(int streamId) => (streamId & 1) == (_isClient ? 1 : 0);

    /// <summary>Stream slots may have changed (a stream closed, SETTINGS, GOAWAY, close).</summary>
    private protected virtual void OnCapacityChanged()
    {
    }

    // ---- stream bookkeeping ----

    private protected HboneStream? FindStream(int streamId)
    {
        lock (Sync)
        {
            return Streams.GetValueOrDefault(streamId);
        }
    }

    /// <summary>Removes a stream from the table; true when it was still there (i.e. not already closed).</summary>
    private protected bool RemoveStream(HboneStream stream)
    {
        bool removed;
        lock (Sync)
        {
            removed = Streams.TryGetValue(stream.StreamId, out var current) && ReferenceEquals(current, stream) && Streams.Remove(stream.StreamId);
        }
        if (removed)
        {
            OnCapacityChanged();
            CheckDrained();
        }
        return removed;
    }

    private protected void OnRemoteEndStream(HboneStream stream)
    {
        if (stream.OnRemoteEnd())
        {
            RemoveStream(stream);
        }
    }

    /// <summary>The application consumed octets: return credit in batched WINDOW_UPDATEs.</summary>
    internal void OnDataConsumed(HboneStream stream, int count)
    {
        // Once the peer ended the stream it sends no more DATA, so only the connection needs the credit.
        var streamIncrement = stream.IsRemoteEnded ? 0 : stream.ReceiveWindow.Release(count);
        var connectionIncrement = _connectionReceiveWindow.Release(count);
        if ((streamIncrement | connectionIncrement) != 0 && !IsClosed)
        {
            Writer.EnqueueWindowUpdates(stream.StreamId, streamIncrement, connectionIncrement);
        }
    }

    private protected void ReleaseConnectionCredit(int count)
    {
        if (count <= 0)
        {
            return;
        }
        var increment = _connectionReceiveWindow.Release(count);
        if (increment > 0 && !IsClosed)
        {
            Writer.EnqueueWindowUpdate(0, increment);
        }
    }

    internal void OnLocalEnd(HboneStream stream)
    {
        if (IsClosed)
        {
            return;
        }
        Writer.EnqueueEndStream(stream.StreamId);
        if (stream.IsRemoteEnded)
        {
            RemoveStream(stream);
        }
    }

    internal void OnStreamDisposed(HboneStream stream, bool clean, int droppedOctets)
    {
        SendFlow.FailStream(stream.SendWindow, HboneStream.DisposedError);
        ReleaseConnectionCredit(droppedOctets);
        if (RemoveStream(stream) && !clean && !IsClosed)
        {
            Writer.EnqueueRstStream(stream.StreamId, Http2ErrorCode.Cancel);
        }
    }

    /// <summary>Resets a stream from this side: RST_STREAM to the peer, <paramref name="error"/> to local readers and writers.</summary>
    internal void ResetStream(HboneStream stream, Http2ErrorCode code, Exception error)
    {
        var wasOpen = RemoveStream(stream);
        SendFlow.FailStream(stream.SendWindow, error);
        ReleaseConnectionCredit(stream.Abort(error));
        if (wasOpen && !IsClosed)
        {
            Writer.EnqueueRstStream(stream.StreamId, code);
        }
    }

    private void ResetStreamById(int streamId, Http2ErrorCode code, string message)
    {
        if (FindStream(streamId) is { } stream)
        {
            ResetStream(stream, code, new HboneStreamResetException(code, message));
        }
        else if (!IsClosed)
        {
            Writer.EnqueueRstStream(streamId, code);
        }
    }
}
