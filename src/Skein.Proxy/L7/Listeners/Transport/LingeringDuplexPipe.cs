using System.IO.Pipelines;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>The transport of an accepted socket connection that, once Kestrel has finished with both sides, waits for the client to close first.</summary>
/// <remarks>
/// Kestrel's socket transport closes the socket as soon as Kestrel completes its output. A client that sent anything
/// the server had not read by then (an HTTP/2 WINDOW_UPDATE or SETTINGS ack, the next request racing a final GOAWAY)
/// gets a reset instead of a close, and a reset can discard the last response and GOAWAY before the client reads them:
/// a graceful stop (a drain) then fails a request. So the completions are held back: what Kestrel wrote is flushed and
/// sent, the client's further bytes are read and dropped until it closes (HTTP clients do after <c>Connection: close</c>
/// or a GOAWAY with no stream left), for at most <see cref="Linger"/>, and only then does the socket close.
/// </remarks>
internal sealed class LingeringDuplexPipe : IDuplexPipe
{
    /// <summary>How long a closing connection waits for the client to close its side.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    private readonly IDuplexPipe _inner;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _error;
    private int _completed;

    public LingeringDuplexPipe(IDuplexPipe inner)
    {
        _inner = inner;
        Input = new Reader(inner.Input, this);
        Output = new Writer(inner.Output, this);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>The connection is being disposed: lingers now unless Kestrel's completion of both sides started it already; completes once the inner transport is complete.</summary>
    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _completed, 4) < 3)
        {
            await LingerAsync();
        }

        await _closed.Task;
    }

    private void OnCompleted(int side, Exception? error)
    {
        if (error is not null)
        {
            _error = error;
        }

        var before = Interlocked.Or(ref _completed, side);
        if (before != 3 && (before | side) == 3)
        {
            _ = LingerAsync();
        }
    }

    private async Task LingerAsync()
    {
        if (_error is null)
        {
            using var linger = new CancellationTokenSource(Linger);
            try
            {
                while (true)
                {
                    var result = await _inner.Input.ReadAsync(linger.Token);
                    _inner.Input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
            }
        }

        await CompleteInnerAsync();
    }

    private async Task CompleteInnerAsync()
    {
        try
        {
            await _inner.Input.CompleteAsync(_error);
            await _inner.Output.CompleteAsync(_error);
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    private sealed class Reader(PipeReader inner, LingeringDuplexPipe owner) : PipeReader
    {
        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => owner.OnCompleted(1, exception);

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken) =>
            inner.ReadAtLeastAsync(minimumSize, cancellationToken);
    }

    private sealed class Writer(PipeWriter inner, LingeringDuplexPipe owner) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => owner.OnCompleted(2, exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(source, cancellationToken);
    }
}
