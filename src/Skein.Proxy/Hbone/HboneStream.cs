using System.Runtime.CompilerServices;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.Hbone;

/// <summary>One HBONE tunnel: an HTTP/2 CONNECT stream exposed as a duplex <see cref="Stream"/> with half-close.</summary>
/// <remarks>
/// <para>Reads return DATA payloads (0 once the peer sent END_STREAM); received frames sit in pooled segments
/// until read, and flow-control credit goes back to the peer only as the application consumes them.</para>
/// <para>Writes become DATA frames sized by the peer's max frame size and bounded by flow control, waiting for
/// WINDOW_UPDATE when the window is spent. <see cref="CloseWrite"/> sends END_STREAM. Like any Stream, at most
/// one read and one write may be outstanding at a time, and CloseWrite must not overlap a write.</para>
/// <para>A peer RST_STREAM, or the connection failing, surfaces as <see cref="IOException"/> on read and write.
/// Disposing a stream that did not finish cleanly in both directions resets it with CANCEL.</para>
/// </remarks>
public sealed class HboneStream : Stream, IHalfClosable
{
    // Bounds how long one stream holds the connection's writer, so many tunnels share it fairly.
    private const int MaxWriteChunk = 256 * 1024;

    private readonly HboneConnection _connection;
    private readonly object _sync = new();
    private readonly AsyncSignal _readable = new();
    private Segment[] _segments = new Segment[8];
    private int _segmentHead;
    private int _segmentCount;
    private bool _remoteEnded;
    private bool _localEnded;
    private Exception? _error;
    private Exception? _writeError;
    private int _disposed;
    private TaskCompletionSource<List<KeyValuePair<string, string>>>? _response;

    internal HboneStream(HboneConnection connection, int streamId, int receiveWindow, int sendWindow, IReadOnlyList<KeyValuePair<string, string>> requestHeaders, bool awaitResponse)
    {
        _connection = connection;
        StreamId = streamId;
        ReceiveWindow = new ReceiveWindow(receiveWindow);
        SendWindow = new StreamSendWindow(sendWindow);
        RequestHeaders = requestHeaders;
        if (awaitResponse)
        {
            _response = new TaskCompletionSource<List<KeyValuePair<string, string>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private readonly record struct Segment(byte[] Array, int Offset, int Count);

    /// <summary>The HTTP/2 stream id (odd: client-initiated).</summary>
    public int StreamId { get; internal set; }

    /// <summary>The CONNECT request's headers, pseudo-headers included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; }

    /// <summary>The response headers (client side, once the tunnel is established); empty on the server side.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders { get; internal set; } = [];

    internal ReceiveWindow ReceiveWindow { get; }

    /// <summary>Whether received data resumes a parked reader on the connection's read loop instead of the thread pool.</summary>
    /// <remarks>Only for a reader that never blocks and does little per wake-up (a relay handing the bytes to another
    /// stream's async write): its work then runs inside the read loop, which saves a thread hop per received frame but
    /// delays every other stream on the connection while it runs. Errors and disposal always resume on the pool.</remarks>
    internal bool CompleteReadsInline { get; set; }

    internal StreamSendWindow SendWindow { get; }

    internal bool ResponseStarted { get; set; }

    internal Task<List<KeyValuePair<string, string>>> ResponseTask => _response!.Task;

    /// <summary>True once both directions ended with END_STREAM.</summary>
    internal bool IsClosedCleanly
    {
        get { lock (_sync) { return _localEnded && _remoteEnded && _error is null; } }
    }

    /// <summary>Received segments waiting to be read (diagnostics and tests).</summary>
    internal int BufferedSegmentCount
    {
        get { lock (_sync) { return _segmentCount; } }
    }

    internal bool IsRemoteEnded
    {
        get { lock (_sync) { return _remoteEnded; } }
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    // ---- reading ----

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var copied = 0;
            Exception? error = null;
            var ended = false;
            var hasData = false;
            lock (_sync)
            {
                var destination = buffer.Span;
                while (_segmentCount > 0 && copied < destination.Length)
                {
                    ref var segment = ref _segments[_segmentHead];
                    var n = Math.Min(segment.Count, destination.Length - copied);
                    segment.Array.AsSpan(segment.Offset, n).CopyTo(destination.Slice(copied));
                    copied += n;
                    if (n == segment.Count)
                    {
                        HboneBuffers.Return(segment.Array);
                        segment = default;
                        _segmentHead = (_segmentHead + 1) % _segments.Length;
                        _segmentCount--;
                    }
                    else
                    {
                        segment = new Segment(segment.Array, segment.Offset + n, segment.Count - n);
                    }
                }
                if (copied == 0)
                {
                    error = _error;
                    hasData = _segmentCount > 0;
                    ended = _remoteEnded && !hasData;
                }
            }

            if (copied > 0)
            {
                _connection.OnDataConsumed(this, copied);
                return copied;
            }
            if (error is not null)
            {
                throw AsIOException(error);
            }
            // A zero-byte read returns once data is available, without consuming it.
            if (ended || hasData)
            {
                return 0;
            }
            await _readable.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
        => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    // ---- writing ----

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            if ((_error ?? _writeError) is { } error)
            {
                throw AsIOException(error);
            }
            if (_localEnded)
            {
                throw new InvalidOperationException("the write side of this HBONE stream is closed");
            }
        }
        while (buffer.Length > 0)
        {
            var credit = await _connection.SendFlow.AcquireAsync(SendWindow, Math.Min(buffer.Length, MaxWriteChunk), cancellationToken).ConfigureAwait(false);
            try
            {
                await _connection.Writer.WriteDataAsync(StreamId, buffer.Slice(0, credit), endStream: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Cancelled while waiting for the writer: nothing was sent, so the credit is still ours to give back.
                _connection.SendFlow.Return(SendWindow, credit);
                throw;
            }
            buffer = buffer.Slice(credit);
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Sends END_STREAM: the peer reads end-of-stream while this side can still read.</summary>
    public void CloseWrite()
    {
        lock (_sync)
        {
            if (_localEnded || _error is not null)
            {
                return;
            }
            _localEnded = true;
        }
        _connection.OnLocalEnd(this);
    }

    /// <summary>Writes are handed to the transport before WriteAsync completes, so there is nothing to flush.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Resets the stream with the given code (e.g. CONNECT_ERROR when the upstream TCP connection failed).</summary>
    public void Reset(Http2ErrorCode code = Http2ErrorCode.Cancel) => _connection.ResetStream(this, code, new IOException($"HBONE stream reset locally ({code})"));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        bool clean;
        int dropped;
        lock (_sync)
        {
            clean = _localEnded && _remoteEnded && _error is null;
            dropped = DropSegments();
            _error ??= DisposedError;
        }
        _readable.Set();
        if (_response is { Task.IsCompleted: false } response)
        {
            response.TrySetException(new ObjectDisposedException(nameof(HboneStream)));
        }
        _connection.OnStreamDisposed(this, clean, dropped);
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    // ---- events from the connection's read loop ----

    /// <summary>Queues a received DATA payload (ownership of the pooled array passes to the stream); false when the stream can no longer take it.</summary>
    internal bool EnqueueData(byte[]? array, int offset, int count, bool endStream)
    {
        lock (_sync)
        {
            if (_error is not null || _remoteEnded)
            {
                return false;
            }
            if (count > 0)
            {
                if (_segmentCount == _segments.Length)
                {
                    GrowSegments();
                }
                _segments[(_segmentHead + _segmentCount) % _segments.Length] = new Segment(array!, offset, count);
                _segmentCount++;
            }
            else if (array is not null)
            {
                HboneBuffers.Return(array);
            }
            _remoteEnded |= endStream;
        }
        _readable.Set(CompleteReadsInline);
        return true;
    }

    /// <summary>Queues a small received payload by copying it, packed behind earlier small payloads when the tail segment has room.</summary>
    /// <remarks>Flow control bounds octets, not frames: packing keeps memory proportional to the octets a peer may send
    /// even when it splits them into tiny frames. False when the stream can no longer take data.</remarks>
    internal bool EnqueueCopy(ReadOnlySpan<byte> data, bool endStream)
    {
        lock (_sync)
        {
            if (_error is not null || _remoteEnded)
            {
                return false;
            }
            if (data.Length > 0)
            {
                var appended = false;
                if (_segmentCount > 0)
                {
                    ref var tail = ref _segments[(_segmentHead + _segmentCount - 1) % _segments.Length];
                    var end = tail.Offset + tail.Count;
                    if (tail.Array.Length - end >= data.Length)
                    {
                        data.CopyTo(tail.Array.AsSpan(end));
                        tail = new Segment(tail.Array, tail.Offset, tail.Count + data.Length);
                        appended = true;
                    }
                }
                if (!appended)
                {
                    var array = HboneBuffers.Rent(Math.Max(data.Length, HboneBuffers.MinSegmentSize));
                    data.CopyTo(array);
                    if (_segmentCount == _segments.Length)
                    {
                        GrowSegments();
                    }
                    _segments[(_segmentHead + _segmentCount) % _segments.Length] = new Segment(array, 0, data.Length);
                    _segmentCount++;
                }
            }
            _remoteEnded |= endStream;
        }
        _readable.Set(CompleteReadsInline);
        return true;
    }

    /// <summary>Marks END_STREAM from the peer; returns whether the stream is now closed in both directions.</summary>
    internal bool OnRemoteEnd()
    {
        bool closed;
        lock (_sync)
        {
            _remoteEnded = true;
            closed = _localEnded;
        }
        _readable.Set(CompleteReadsInline);
        return closed;
    }

    internal bool IsLocalEnded
    {
        get { lock (_sync) { return _localEnded; } }
    }

    /// <summary>Fails the stream: pending and future reads and writes throw. Returns the unread octets dropped.</summary>
    /// <param name="error">What readers and writers see.</param>
    /// <param name="keepCompletedInput">When the connection (not the peer) ends the stream: if the peer had already sent
    /// END_STREAM, its data stays readable and reads end with 0 as they would have; only writing fails.</param>
    internal int Abort(Exception error, bool keepCompletedInput = false)
    {
        int dropped;
        lock (_sync)
        {
            if (_error is not null)
            {
                return 0;
            }
            if (keepCompletedInput && _remoteEnded)
            {
                _writeError ??= error;
                dropped = 0;
            }
            else
            {
                _error = error;
                dropped = DropSegments();
            }
        }
        _readable.Set();
        _response?.TrySetException(error);
        return dropped;
    }

    internal void SetResponse(List<KeyValuePair<string, string>> headers)
    {
        ResponseHeaders = headers;
        _response?.TrySetResult(headers);
    }

    private int DropSegments()
    {
        var dropped = 0;
        while (_segmentCount > 0)
        {
            ref var segment = ref _segments[_segmentHead];
            dropped += segment.Count;
            HboneBuffers.Return(segment.Array);
            segment = default;
            _segmentHead = (_segmentHead + 1) % _segments.Length;
            _segmentCount--;
        }
        return dropped;
    }

    private void GrowSegments()
    {
        var bigger = new Segment[_segments.Length * 2];
        for (var i = 0; i < _segmentCount; i++)
        {
            bigger[i] = _segments[(_segmentHead + i) % _segments.Length];
        }
        _segments = bigger;
        _segmentHead = 0;
    }

    /// <summary>What a disposed stream fails its readers and writers with: one shared instance, never thrown itself.</summary>
    /// <remarks>Every stream ends in disposal, so an exception object per stream was a visible share of the allocations
    /// under connection churn; throw sites wrap it in a fresh exception (<see cref="AsIOException"/>, and the send window's own copy).</remarks>
    internal static readonly ObjectDisposedException DisposedError = new(nameof(HboneStream));

    private static IOException AsIOException(Exception error) => error switch
    {
        HboneStreamResetException reset => new HboneStreamResetException(reset.Code, reset.Message),
        IOException io => new IOException(io.Message, io),
        ObjectDisposedException => new IOException("the HBONE stream was disposed", error),
        _ => new IOException(error.Message, error),
    };
}
