using System.Buffers;
using System.Runtime.CompilerServices;

namespace Skein.Proxy.Hbone;

/// <summary>Serializes every outgoing frame of a connection: one writer at a time, small frames coalesced into the next transport write.</summary>
/// <remarks>
/// <para>Writers take <see cref="_lock"/>, build frames into one pooled buffer and hand it to the transport in a
/// single write, so a DATA frame's header and payload (and any pending control frames) become one TLS
/// record run instead of several tiny ones.</para>
/// <para>Control frames produced by the read loop (SETTINGS/PING ACKs, WINDOW_UPDATE, RST_STREAM) are only
/// queued and never awaited: if the read loop blocked on a transport whose send buffer is full, and the peer
/// did the same, neither would read the WINDOW_UPDATE that unblocks the other. Whoever holds the lock, or
/// a flush started when the lock is free, writes the queue. Small DATA frames that find the lock taken join
/// the same queue (<see cref="TryQueueData"/>).</para>
/// <para>Cancellation only applies while waiting for the lock: abandoning a transport write halfway would
/// leave a partial frame on the wire, so the write itself is cancelled only by the connection's abort.</para>
/// </remarks>
internal sealed class Http2FrameWriter : IDisposable
{
    private const int BufferSize = 128 * 1024;

    // DATA frames up to this size may be queued behind the lock holder, and the queue holds at most MaxQueuedBytes.
    private const int MaxQueuedFrame = 16 * 1024;
    private const int MaxQueuedBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CancellationToken _abortToken;
    private readonly Action<Exception> _onFailure;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _length;

    private readonly object _controlSync = new();
    private byte[] _control = new byte[512];
    private int _controlLength;

    private volatile Exception? _failure;
    private volatile int _peerMaxFrameSize = Http2Frames.DefaultMaxFrameSize;

    public Http2FrameWriter(Stream stream, Action<Exception> onFailure, CancellationToken abortToken)
    {
        _stream = stream;
        _onFailure = onFailure;
        _abortToken = abortToken;
    }

    /// <summary>The peer's SETTINGS_MAX_FRAME_SIZE: the largest payload this side may send.</summary>
    public int PeerMaxFrameSize
    {
        get => _peerMaxFrameSize;
        set => _peerMaxFrameSize = value;
    }

    // ---- queued control frames (never block) ----

    public void EnqueueWindowUpdate(int streamId, int increment)
    {
        Span<byte> frame = stackalloc byte[Http2Frames.WindowUpdateSize];
        Enqueue(frame.Slice(0, Http2Frames.WriteWindowUpdate(frame, streamId, increment)));
    }

    /// <summary>Queues a stream and a connection WINDOW_UPDATE together (either increment may be 0 to skip it).</summary>
    public void EnqueueWindowUpdates(int streamId, int streamIncrement, int connectionIncrement)
    {
        Span<byte> frames = stackalloc byte[2 * Http2Frames.WindowUpdateSize];
        var length = 0;
        if (streamIncrement > 0)
        {
            length += Http2Frames.WriteWindowUpdate(frames, streamId, streamIncrement);
        }
        if (connectionIncrement > 0)
        {
            length += Http2Frames.WriteWindowUpdate(frames.Slice(length), 0, connectionIncrement);
        }
        if (length > 0)
        {
            Enqueue(frames.Slice(0, length));
        }
    }

    public void EnqueueRstStream(int streamId, Http2ErrorCode code)
    {
        Span<byte> frame = stackalloc byte[Http2Frames.RstStreamSize];
        Enqueue(frame.Slice(0, Http2Frames.WriteRstStream(frame, streamId, code)));
    }

    public void EnqueuePing(ulong opaque, bool ack)
    {
        Span<byte> frame = stackalloc byte[Http2Frames.PingSize];
        Enqueue(frame.Slice(0, Http2Frames.WritePing(frame, opaque, ack)));
    }

    public void EnqueueSettingsAck()
    {
        Span<byte> frame = stackalloc byte[Http2FrameHeader.Size];
        Enqueue(frame.Slice(0, Http2Frames.WriteSettingsAck(frame)));
    }

    /// <summary>Queues an empty DATA frame with END_STREAM; callers guarantee their earlier DATA has already been written.</summary>
    public void EnqueueEndStream(int streamId)
    {
        Span<byte> frame = stackalloc byte[Http2FrameHeader.Size];
        Http2FrameHeader.Write(frame, 0, Http2FrameType.Data, Http2FrameFlags.EndStream, streamId);
        Enqueue(frame);
    }

    private void Enqueue(ReadOnlySpan<byte> frames)
    {
        if (_failure is not null)
        {
            return;
        }
        lock (_controlSync)
        {
            if (_controlLength + frames.Length > _control.Length)
            {
                Array.Resize(ref _control, Math.Max(_control.Length * 2, _controlLength + frames.Length));
            }
            frames.CopyTo(_control.AsSpan(_controlLength));
            _controlLength += frames.Length;
        }
        if (_lock.Wait(0))
        {
            _ = FlushControlAsync();
        }
    }

    private bool HasControl
    {
        get { lock (_controlSync) { return _controlLength > 0; } }
    }

    /// <summary>Moves queued control frames into the write buffer; only the lock owner calls this.</summary>
    private void TakeControl()
    {
        lock (_controlSync)
        {
            if (_controlLength == 0)
            {
                return;
            }
            EnsureBuffer(_controlLength);
            _control.AsSpan(0, _controlLength).CopyTo(_buffer.AsSpan(_length));
            _length += _controlLength;
            _controlLength = 0;
        }
    }

    /// <summary>Writes the control queue; entered with the lock held, which it releases.</summary>
    private async Task FlushControlAsync()
    {
        do
        {
            try
            {
                if (_failure is null)
                {
                    _length = 0;
                    TakeControl();
                    if (_length > 0)
                    {
                        await WriteBufferAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                _lock.Release();
            }
        }
        while (_failure is null && HasControl && _lock.Wait(0));
    }

    // ---- frames written by the caller, under the lock ----

    /// <summary>Writes DATA for one stream, split at the peer's max frame size; the caller already holds flow-control credit for it.</summary>
    /// <remarks>A small frame that finds another writer holding the lock is queued behind it and the call returns at once;
    /// the holder writes it with its own before it lets go (see <see cref="TryQueueData"/>).</remarks>
    public ValueTask WriteDataAsync(int streamId, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken) =>
        data.Length <= MaxQueuedFrame && TryQueueData(streamId, data.Span, endStream)
            ? default
            : WriteDataLockedAsync(streamId, data, endStream, cancellationToken);

    /// <summary>Queues a small DATA frame behind the current lock holder instead of waiting for the lock.</summary>
    /// <remarks>Tunnels on one connection are relayed from different socket threads; waiting for the lock parked the loser,
    /// and its wake-up went through the thread pool (a futex wake and a thread hop per contended write). Queued, the frame
    /// goes out in the holder's next transport write, often in the same TLS record. Per stream, order holds: the queue is
    /// FIFO and every lock holder writes the queue before its own frames. The queue is bounded so a writer stuck on a full
    /// socket pushes back on everyone else: past <see cref="MaxQueuedBytes"/> callers wait for the lock as before.</remarks>
    private bool TryQueueData(int streamId, ReadOnlySpan<byte> data, bool endStream)
    {
        if (_failure is not null || _lock.CurrentCount > 0)
        {
            // Failed (the locked path reports it) or uncontended (write it now, with backpressure, as usual).
            return false;
        }
        lock (_controlSync)
        {
            var length = Http2FrameHeader.Size + data.Length;
            if (_controlLength + length > MaxQueuedBytes)
            {
                return false;
            }
            if (_controlLength + length > _control.Length)
            {
                Array.Resize(ref _control, Math.Max(_control.Length * 2, _controlLength + length));
            }
            Http2FrameHeader.Write(_control.AsSpan(_controlLength), data.Length, Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None, streamId);
            data.CopyTo(_control.AsSpan(_controlLength + Http2FrameHeader.Size));
            _controlLength += length;
        }
        // The holder may have let go between the check above and the append: then nobody would write the queue.
        if (_lock.Wait(0))
        {
            _ = FlushControlAsync();
        }
        return true;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteDataLockedAsync(int streamId, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            _length = 0;
            TakeControl();
            var maxFrame = _peerMaxFrameSize;
            do
            {
                var n = Math.Min(data.Length, maxFrame);
                var flags = endStream && n == data.Length ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
                if (_buffer.Length - _length < Http2FrameHeader.Size + Math.Min(n, 1024))
                {
                    await WriteBufferAsync().ConfigureAwait(false);
                }
                Http2FrameHeader.Write(_buffer.AsSpan(_length), n, Http2FrameType.Data, flags, streamId);
                _length += Http2FrameHeader.Size;
                var fits = Math.Min(n, _buffer.Length - _length);
                data.Span.Slice(0, fits).CopyTo(_buffer.AsSpan(_length));
                _length += fits;
                if (fits < n)
                {
                    // A frame larger than the buffer: its head goes out with the buffer, the rest straight from the caller.
                    await WriteBufferAsync().ConfigureAwait(false);
                    await WriteDirectAsync(data.Slice(fits, n - fits)).ConfigureAwait(false);
                }
                data = data.Slice(n);
            }
            while (data.Length > 0);
            if (_length > 0)
            {
                await WriteBufferAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            throw Failed(e);
        }
        finally
        {
            ReleaseLock();
        }
    }

    /// <summary>Writes a header block as HEADERS plus CONTINUATION frames, back to back as the RFC requires (§6.10).</summary>
    /// <param name="allocateStreamId">When set, called under the lock to pick the stream id, so ids reach the wire in increasing order (§5.1.1).</param>
    /// <param name="resetAfter">When set, a RST_STREAM with this code follows in the same write (a rejection that also closes the request side).</param>
    public async ValueTask<int> WriteHeadersAsync(int streamId, Func<int>? allocateStreamId, ReadOnlyMemory<byte> block, bool endStream, Http2ErrorCode? resetAfter, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            if (allocateStreamId is not null)
            {
                // May refuse (connection draining, ids exhausted): that is not a transport failure.
                streamId = allocateStreamId();
            }
            return await WriteHeaderFramesAsync(streamId, block, endStream, resetAfter).ConfigureAwait(false);
        }
        finally
        {
            ReleaseLock();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WriteHeaderFramesAsync(int streamId, ReadOnlyMemory<byte> block, bool endStream, Http2ErrorCode? resetAfter)
    {
        try
        {
            _length = 0;
            TakeControl();
            var maxFrame = _peerMaxFrameSize;
            var first = true;
            do
            {
                var n = Math.Min(block.Length, maxFrame);
                var last = n == block.Length;
                var type = first ? Http2FrameType.Headers : Http2FrameType.Continuation;
                var flags = (last ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None)
                    | (first && endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None);
                EnsureBuffer(Http2FrameHeader.Size + n);
                Http2FrameHeader.Write(_buffer.AsSpan(_length), n, type, flags, streamId);
                _length += Http2FrameHeader.Size;
                block.Span.Slice(0, n).CopyTo(_buffer.AsSpan(_length));
                _length += n;
                block = block.Slice(n);
                first = false;
            }
            while (block.Length > 0);
            if (resetAfter is { } code)
            {
                EnsureBuffer(Http2Frames.RstStreamSize);
                _length += Http2Frames.WriteRstStream(_buffer.AsSpan(_length), streamId, code);
            }
            await WriteBufferAsync().ConfigureAwait(false);
            return streamId;
        }
        catch (Exception e)
        {
            throw Failed(e);
        }
    }

    /// <summary>Writes pre-serialized frames (preface, SETTINGS, GOAWAY) now, after anything queued.</summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            _length = 0;
            TakeControl();
            EnsureBuffer(frames.Length);
            frames.Span.CopyTo(_buffer.AsSpan(_length));
            _length += frames.Length;
            await WriteBufferAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Failed(e);
        }
        finally
        {
            ReleaseLock();
        }
    }

    /// <summary>Flushes queued control frames, stops all further writes, then runs <paramref name="shutdownTransport"/> (TLS close_notify) under the same lock so nothing else writes concurrently.</summary>
    public async ValueTask CloseAsync(Func<ValueTask>? shutdownTransport, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_failure is not null)
            {
                return;
            }
            _length = 0;
            TakeControl();
            if (_length > 0)
            {
                await WriteBufferAsync().ConfigureAwait(false);
            }
            Close(new IOException("HTTP/2 connection is closed"));
            if (shutdownTransport is not null)
            {
                await shutdownTransport().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Closing anyway: a failed goodbye is not a connection error worth reporting.
            Close(e);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void ReleaseLock()
    {
        _lock.Release();
        // Control frames queued while we held the lock found it taken; make sure someone writes them.
        if (_failure is null && HasControl && _lock.Wait(0))
        {
            _ = FlushControlAsync();
        }
    }

    private void EnsureBuffer(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_length + extra);
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteBufferAsync()
    {
        var length = _length;
        _length = 0;
        await _stream.WriteAsync(_buffer.AsMemory(0, length), _abortToken).ConfigureAwait(false);
        await _stream.FlushAsync(_abortToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteDirectAsync(ReadOnlyMemory<byte> data)
    {
        await _stream.WriteAsync(data, _abortToken).ConfigureAwait(false);
        await _stream.FlushAsync(_abortToken).ConfigureAwait(false);
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException("HTTP/2 connection is closed", failure);
        }
    }

    private IOException Failed(Exception e)
    {
        Fail(e);
        return e as IOException ?? new IOException("HTTP/2 connection write failed", e);
    }

    /// <summary>Marks the writer dead; every later write fails fast and the connection is told once.</summary>
    public void Fail(Exception failure)
    {
        if (_failure is not null)
        {
            return;
        }
        _failure = failure;
        _onFailure(failure);
    }

    /// <summary>Marks the writer closed without reporting (the connection is already closing).</summary>
    public void Close(Exception reason) => _failure ??= reason;

    public void Dispose()
    {
        Close(new ObjectDisposedException(nameof(Http2FrameWriter)));
        // The buffer is only returned when no writer is using it; later writers see the failure and never touch it.
        if (_lock.Wait(0))
        {
            var buffer = Interlocked.Exchange(ref _buffer, []);
            _lock.Release();
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
