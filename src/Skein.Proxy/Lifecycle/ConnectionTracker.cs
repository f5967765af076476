namespace Skein.Proxy.Lifecycle;

/// <summary>Counts the connections the data-path listeners accepted and still serve, so a drain knows when it is done.</summary>
/// <remarks>
/// Enter and Exit run once per accepted connection, drain or not, so they are one interlocked operation each; only
/// the exit that brings the count to zero completes the signal a waiting drain holds. (A semaphore released on every
/// exit would also cost a lock per connection and, never waited on outside a drain, count up until it overflowed.)
/// </remarks>
public sealed class ConnectionTracker
{
    private TaskCompletionSource? _idle;
    private int _open;
    private long _finished;

    /// <summary>Connections accepted and not yet finished.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections finished since the process started: a drain counts those that finish while it waits as the difference.</summary>
    public long Finished => Interlocked.Read(ref _finished);

    public void Enter() => Interlocked.Increment(ref _open);

    public void Exit()
    {
        Interlocked.Increment(ref _finished);
        if (Interlocked.Decrement(ref _open) == 0)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }
    }

    /// <summary>Completes once no connection is open; cancelled by <paramref name="cancellationToken"/> (the drain deadline).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (Open > 0)
        {
            // Published before the re-check, so an exit to zero after it completes this signal; one before it is seen by the check.
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _idle, idle);
            if (Open == 0)
            {
                return;
            }

            await idle.Task.WaitAsync(cancellationToken);
        }
    }
}
