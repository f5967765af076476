using System.Net.Security;
using System.Text;

namespace Skein.Proxy.Hbone;

// Ending a connection: graceful drain after GOAWAY, best-effort GOAWAY on errors, and the abort that frees everything.
public abstract partial class HboneConnection
{
    /// <summary>Starts a graceful drain: GOAWAY with <paramref name="lastStreamId"/>, then close once no stream is left.</summary>
    private protected async Task DrainAsync(int lastStreamId, CancellationToken cancellationToken)
    {
        bool first;
        lock (Sync)
        {
            first = !_goAwaySent;
            Draining = true;
            _goAwaySent = true;
        }
        if (first && !IsClosed)
        {
            await SendGoAwayAsync(Http2ErrorCode.NoError, null, lastStreamId).ConfigureAwait(false);
            OnCapacityChanged();
            CheckDrained();
        }
        try
        {
            await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Abort(new OperationCanceledException("HBONE connection drain was cancelled", null, cancellationToken));
            throw;
        }
    }

    /// <summary>The last peer-initiated stream this side processed, for GOAWAY.</summary>
    private protected abstract int LastProcessedPeerStreamId { get; }

    private async Task SendGoAwayAsync(Http2ErrorCode code, string? debug, int? lastStreamId = null)
    {
        if (IsClosed)
        {
            return;
        }
        var debugData = debug is null ? [] : Encoding.ASCII.GetBytes(debug.Length > 256 ? debug[..256] : debug);
        var frame = new byte[Http2Frames.GoAwayMinSize + debugData.Length];
        Http2Frames.WriteGoAway(frame, lastStreamId ?? LastProcessedPeerStreamId, code, debugData);
        try
        {
            using var timeout = new CancellationTokenSource(Options.CloseTimeout);
            await Writer.WriteRawAsync(frame, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the connection is going away regardless.
        }
    }

    /// <summary>Closes gracefully once draining and idle.</summary>
    private protected void CheckDrained()
    {
        lock (Sync)
        {
            if (!Draining || Streams.Count != 0 || HasPendingStreams || _closing || IsClosed)
            {
                return;
            }
            _closing = true;
        }
        _ = CloseGracefullyAsync();
    }

    /// <summary>Streams being opened but not yet in the table (client side).</summary>
    private protected virtual bool HasPendingStreams => false;

    private async Task CloseGracefullyAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.CloseTimeout);
            // close_notify tells the peer the TLS stream ended on purpose, not truncated.
            Func<ValueTask>? shutdown = Transport is SslStream tls
                ? async () => await tls.ShutdownAsync().WaitAsync(timeout.Token).ConfigureAwait(false)
                : null;
            await Writer.CloseAsync(shutdown, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Abort(null);
    }

    /// <summary>Tears everything down at once; idempotent.</summary>
    private protected void Abort(Exception? reason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }
        if (reason is not null)
        {
            Error ??= reason;
        }
        var failure = new IOException("HTTP/2 connection closed", reason);
        Writer.Close(failure);
        SendFlow.Fail(failure);
        try
        {
            _abortCts.Cancel();
        }
        catch (AggregateException)
        {
        }

        List<HboneStream> streams;
        lock (Sync)
        {
            streams = [.. Streams.Values];
            Streams.Clear();
        }
        foreach (var stream in streams)
        {
            stream.Abort(failure, keepCompletedInput: true);
        }
        List<TaskCompletionSource> pings;
        lock (_pings)
        {
            pings = [.. _pings.Values];
            _pings.Clear();
        }
        foreach (var ping in pings)
        {
            ping.TrySetException(new IOException("HTTP/2 connection closed", reason));
        }
        OnCapacityChanged();

        try
        {
            Transport.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        Writer.Dispose();

        bool readLoopStarted;
        lock (Sync)
        {
            readLoopStarted = _readLoopStarted;
        }
        if (!readLoopStarted)
        {
            _reader.Dispose();
            _completion.TrySetResult();
        }
    }

    private async Task KeepAliveLoopAsync(TimeSpan interval)
    {
        try
        {
            using var timer = new PeriodicTimer(interval / 2);
            while (await timer.WaitForNextTickAsync(_abortCts.Token).ConfigureAwait(false))
            {
                var idle = Environment.TickCount64 - Volatile.Read(ref _lastFrameTicks);
                if (idle < interval.TotalMilliseconds)
                {
                    continue;
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abortCts.Token);
                timeout.CancelAfter(Options.KeepAliveTimeout);
                try
                {
                    await PingAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_abortCts.IsCancellationRequested)
                {
                    Abort(new TimeoutException("HTTP/2 keepalive PING was not answered"));
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
