namespace Skein.Proxy.Telemetry;

/// <summary>Holds the ALS sender until a batch's worth of records is queued or the flush interval is up, whichever comes first.</summary>
/// <remarks>
/// The writer that brings the count to the threshold wakes the sender; the others only count (one interlocked
/// increment on the data path), so a busy proxy sends full-enough batches at once and a quiet one waits out the
/// interval instead of sending a message per record.
/// </remarks>
public sealed class AlsBatchGate(int threshold)
{
    private readonly SemaphoreSlim _ready = new(0);
    private int _pending;
    private int _signalled;

    /// <summary>Records queued and not yet taken.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Counts one queued record.</summary>
    public void Added()
    {
        if (Interlocked.Increment(ref _pending) >= threshold && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _ready.Release();
        }
    }

    /// <summary>The sender took <paramref name="count"/> records off the queue.</summary>
    public void Taken(int count) => Interlocked.Add(ref _pending, -count);

    /// <summary>Returns true as soon as the threshold is reached, false when <paramref name="interval"/> passes first.</summary>
    public async Task<bool> WaitAsync(TimeSpan interval, CancellationToken ct)
    {
        // Re-arm before looking, and drop a wake-up left from the last batch: a writer that crosses the threshold
        // from here on signals again, and a stale one cannot end this wait early.
        Volatile.Write(ref _signalled, 0);
        while (_ready.Wait(0))
        {
        }

        return Pending >= threshold || await _ready.WaitAsync(interval, ct);
    }
}
