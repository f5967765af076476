using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>The connection's frame writer: small DATA frames queue behind a busy writer instead of waiting for it.</summary>
public class FrameWriterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Small_data_finding_the_writer_busy_returns_at_once_and_goes_out_after_the_holders_frames_in_order()
    {
        var transport = new GatedStream();
        using var writer = new Http2FrameWriter(transport, _ => { }, CancellationToken.None);

        // A frame too large to queue takes the lock and stalls in the transport.
        var big = writer.WriteDataAsync(1, new byte[20_000], endStream: false, CancellationToken.None).AsTask();
        await transport.FirstWriteStarted.WaitAsync(Timeout);

        var small3 = writer.WriteDataAsync(3, "abc"u8.ToArray(), endStream: false, CancellationToken.None);
        var small5 = writer.WriteDataAsync(5, "de"u8.ToArray(), endStream: true, CancellationToken.None);
        var small3Again = writer.WriteDataAsync(3, "f"u8.ToArray(), endStream: false, CancellationToken.None);
        Assert.True(small3.IsCompletedSuccessfully && small5.IsCompletedSuccessfully && small3Again.IsCompletedSuccessfully,
            "small writes waited for the busy writer instead of queueing");
        Assert.Equal(1, transport.Writes);

        transport.Open();
        await big.WaitAsync(Timeout);

        var frames = Parse(transport.Written);
        // The big write is split at the peer's default 16 KiB max frame size; the queued frames follow it.
        Assert.Equal([(1, 16_384, false), (1, 3_616, false), (3, 3, false), (5, 2, true), (3, 1, false)], frames.Select(f => (f.StreamId, f.Payload.Length, f.EndStream)));
        Assert.Equal("abc", System.Text.Encoding.ASCII.GetString(frames[2].Payload));
        Assert.Equal("f", System.Text.Encoding.ASCII.GetString(frames[4].Payload));
    }

    [Fact]
    public async Task Past_the_queue_bound_small_writes_wait_for_the_lock_again()
    {
        var transport = new GatedStream();
        using var writer = new Http2FrameWriter(transport, _ => { }, CancellationToken.None);
        var big = writer.WriteDataAsync(1, new byte[20_000], endStream: false, CancellationToken.None).AsTask();
        await transport.FirstWriteStarted.WaitAsync(Timeout);

        // 16 KiB frames: the fifth does not fit in the 64 KiB queue and must wait, so a stuck socket pushes back.
        var writes = Enumerable.Range(0, 5).Select(i => writer.WriteDataAsync(3 + (2 * i), new byte[16 * 1024], endStream: false, CancellationToken.None).AsTask()).ToList();
        Assert.All(writes.Take(3), w => Assert.True(w.IsCompletedSuccessfully));
        Assert.False(writes[4].IsCompleted, "a write past the queue bound returned while the transport was stuck");

        transport.Open();
        await Task.WhenAll(writes.Append(big)).WaitAsync(Timeout);
        Assert.Equal([1, 1, 3, 5, 7, 9, 11], Parse(transport.Written).Select(f => f.StreamId));
    }

    private static List<(int StreamId, byte[] Payload, bool EndStream)> Parse(byte[] wire)
    {
        var frames = new List<(int, byte[], bool)>();
        for (var offset = 0; offset < wire.Length;)
        {
            var header = Http2FrameHeader.Read(wire.AsSpan(offset));
            Assert.Equal(Http2FrameType.Data, header.Type);
            frames.Add((header.StreamId, wire.AsSpan(offset + Http2FrameHeader.Size, header.Length).ToArray(), header.HasFlag(Http2FrameFlags.EndStream)));
            offset += Http2FrameHeader.Size + header.Length;
        }
        return frames;
    }

    /// <summary>A transport whose writes stall until <see cref="Open"/>, recording everything written.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly MemoryStream _written = new();

        public Task FirstWriteStarted => _firstWrite.Task;

        public int Writes { get; private set; }

        public byte[] Written
        {
            get { lock (_written) { return _written.ToArray(); } }
        }

        public void Open() => _open.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            lock (_written)
            {
                _written.Write(buffer.Span);
            }
            _firstWrite.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
