namespace Skein.Proxy.Lifecycle;

/// <summary>Counts the connections the data-path listeners accepted and still serve, so a drain knows when it is done.</summary>
public sealed class ConnectionTracker
{
    private readonly SemaphoreSlim _exited = new(0);
    private int _open;

    /// <summary>Connections accepted and not yet finished.</summary>
    public int Open => Volatile.Read(ref _open);

    public void Enter() => Interlocked.Increment(ref _open);

    public void Exit()
    {
        Interlocked.Decrement(ref _open);
        _exited.Release();
    }

    /// <summary>Completes once no connection is open; cancelled by <paramref name="cancellationToken"/> (the drain deadline).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (Open > 0)
        {
            // Each exit releases once: wake, re-check. The timeout only bounds a wake-up missed between check and wait.
            await _exited.WaitAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }
}
