using System.Threading.Tasks.Sources;

namespace Skein.Proxy.Hbone;

/// <summary>A reusable, allocation-free auto-reset signal for exactly one waiter at a time.</summary>
/// <remarks>
/// A stream's reader parks here when its receive queue is empty and the connection's read loop sets it
/// after queueing data. A Set with no waiter is remembered, so the check-then-wait race cannot lose a
/// wake-up; spurious wake-ups are possible and the waiter simply re-checks its condition. By default the
/// waiter is resumed on the thread pool, so the read loop never runs application code; the signal queues
/// itself as the work item, so a wake-up allocates nothing. A setter that knows the waiter never blocks may
/// resume it inline instead (<see cref="Set(bool)"/>), saving the thread hop.
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Signaled = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _cancellation;
    private OperationCanceledException? _cancelled;
    private int _state;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return default;
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        _core.Reset();
        _cancelled = null;
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set between the two exchanges: consume it and return at once.
            Volatile.Write(ref _state, Idle);
            return default;
        }
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (s, token) => ((AsyncSignal)s!).Cancel(token), this);
        }
        return new ValueTask(this, _core.Version);
    }

    public void Set() => Set(inline: false);

    /// <summary>Wakes the waiter (or remembers the wake-up); with <paramref name="inline"/> the waiter's continuation runs on this thread before Set returns.</summary>
    public void Set(bool inline)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                {
                    if (inline)
                    {
                        _core.SetResult(true);
                    }
                    else
                    {
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    }
                    return;
                }
            }
            else if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
                {
                    return;
                }
            }
            else
            {
                return;
            }
        }
    }

    private void Cancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _cancelled = new OperationCanceledException(token);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Completes the parked wait on a pool thread (its continuation runs right here).</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (_cancelled is { } cancelled)
        {
            _core.SetException(cancelled);
        }
        else
        {
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        // The registration must be gone before the next wait can Reset the core.
        _cancellation.Dispose();
        _cancellation = default;
        _core.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
