using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>A Kestrel connection over bytes Skein already holds: an HBONE tunnel stream, or a socket connection whose protocol was sniffed.</summary>
public sealed class StreamConnection : ConnectionContext
{
    private readonly Stream? _stream;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wraps a stream; disposing the connection disposes the stream.</summary>
    public StreamConnection(Stream stream, EndPoint? local, EndPoint? remote)
        : this(new DuplexPipe(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true))), local, remote)
    {
        _stream = stream;
    }

    /// <summary>Wraps pipes owned by someone else (another Kestrel connection handing its bytes over).</summary>
    public StreamConnection(IDuplexPipe transport, EndPoint? local, EndPoint? remote)
    {
        Transport = transport;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        ConnectionClosed = _closed.Token;
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N")[..16];

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    /// <summary>Completes when Kestrel is done with the connection (disposed it).</summary>
    public Task Completion => _done.Task;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _closed.Cancel();
        Transport.Input.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await Transport.Input.CompleteAsync();
            await Transport.Output.CompleteAsync();
            await CloseGracefullyAsync(_stream);
            await _stream.DisposeAsync();
        }

        _closed.Cancel();
        _closed.Dispose();
        _done.TrySetResult();
    }

    /// <summary>Ends our side (an HBONE END_STREAM, not a reset that could discard a response still in flight) and lets the peer end its side.</summary>
    private static async Task CloseGracefullyAsync(Stream stream)
    {
        if (stream is not Outbound.IHalfClosable halfClosable)
        {
            return;
        }

        halfClosable.CloseWrite();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var linger = new CancellationTokenSource(LingerTimeout);
            while (await stream.ReadAsync(buffer, linger.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(5);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
