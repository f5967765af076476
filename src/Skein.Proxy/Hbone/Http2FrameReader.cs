using System.Buffers;
using System.Runtime.CompilerServices;

namespace Skein.Proxy.Hbone;

/// <summary>Reads frames from the transport through one pooled buffer; DATA payloads can be read straight into their own segment.</summary>
/// <remarks>
/// Reads ask the transport for as much as the buffer holds, so several small frames arrive in one read.
/// A DATA payload that is not yet buffered is read directly into the caller's destination rather than
/// staged here first, which saves a copy of most of every large frame.
/// </remarks>
internal sealed class Http2FrameReader : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    private int _start;
    private int _end;

    public Http2FrameReader(Stream stream) => _stream = stream;

    private int Buffered => _end - _start;

    /// <summary>Reads the client preface; false when the peer sent something else (or closed first).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadClientPrefaceAsync(CancellationToken cancellationToken)
    {
        var length = Http2Frames.ClientPreface.Length;
        while (Buffered < length)
        {
            // Compare what has arrived so far: garbage fails fast instead of waiting for 24 octets.
            if (!Http2Frames.ClientPreface.StartsWith(_buffer.AsSpan(_start, Buffered)))
            {
                return false;
            }
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        var ok = _buffer.AsSpan(_start, length).SequenceEqual(Http2Frames.ClientPreface);
        _start += length;
        return ok;
    }

    /// <summary>Reads the next frame header; null on a clean end of stream between frames.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Http2FrameHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (Buffered < Http2FrameHeader.Size)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Buffered == 0)
                {
                    return null;
                }
                throw new IOException("connection closed inside a frame header");
            }
        }
        var header = Http2FrameHeader.Read(_buffer.AsSpan(_start, Http2FrameHeader.Size));
        _start += Http2FrameHeader.Size;
        return header;
    }

    /// <summary>Buffers a whole payload and returns it; valid only until the next read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReadPayloadAsync(int length, CancellationToken cancellationToken)
    {
        if (length > _buffer.Length - _start)
        {
            MakeRoom(length);
        }
        while (Buffered < length)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException("connection closed inside a frame");
            }
        }
        var payload = _buffer.AsMemory(_start, length);
        _start += length;
        return payload;
    }

    /// <summary>Reads exactly <c>destination.Length</c> payload octets: first what is buffered, then straight from the transport.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var fromBuffer = Math.Min(Buffered, destination.Length);
        _buffer.AsSpan(_start, fromBuffer).CopyTo(destination.Span);
        _start += fromBuffer;
        var filled = fromBuffer;
        if (Buffered == 0)
        {
            _start = _end = 0;
        }
        while (filled < destination.Length)
        {
            var n = await _stream.ReadAsync(destination.Slice(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("connection closed inside a frame");
            }
            filled += n;
        }
    }

    /// <summary>Discards a payload without keeping it (unknown frame types, DATA for a closed stream).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SkipAsync(int length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException("connection closed inside a frame");
            }
            var n = Math.Min(length, Buffered);
            _start += n;
            length -= n;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            MakeRoom(Buffered + 1);
        }
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    /// <summary>Ensures <paramref name="needed"/> octets fit from <see cref="_start"/>: compacts, or grows for a frame larger than the buffer.</summary>
    private void MakeRoom(int needed)
    {
        if (needed <= _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
        }
        else
        {
            var bigger = ArrayPool<byte>.Shared.Rent(needed);
            Buffer.BlockCopy(_buffer, _start, bigger, 0, Buffered);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        _end = Buffered;
        _start = 0;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
