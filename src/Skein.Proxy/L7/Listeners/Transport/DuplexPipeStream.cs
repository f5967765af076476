using System.Buffers;
using System.IO.Pipelines;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>A stream over a connection's pipes (bytes already peeked stay readable), for relaying a non-HTTP tunnel.</summary>
public sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await pipe.Input.ReadAsync(cancellationToken);
        var available = result.Buffer;
        var n = (int)Math.Min(available.Length, buffer.Length);
        available.Slice(0, n).CopyTo(buffer.Span);
        pipe.Input.AdvanceTo(available.GetPosition(n));
        return n == 0 && result.IsCompleted ? 0 : n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await pipe.Output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => pipe.Output.FlushAsync(cancellationToken).AsTask();

    public override void Flush() => throw new NotSupportedException("synchronous I/O");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("synchronous I/O");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("synchronous I/O");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
