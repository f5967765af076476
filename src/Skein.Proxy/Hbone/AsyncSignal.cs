using System.Threading.Tasks.Sources;

namespace Skein.Proxy.Hbone;

/// <summary>A reusable, allocation-free auto-reset signal for exactly one waiter at a time.</summary>
/// <remarks>
/// A stream's reader parks here when its receive queue is empty and the connection's read loop sets it
/// after queueing data. A Set with no waiter is remembered, so the check-then-wait race cannot lose a
/// wake-up; spurious wake-ups are possible and the waiter simply re-checks its condition. The waiter is
/// resumed on the thread pool, never inline, so the read loop never runs application code; the signal
/// queues itself as the work item, so a wake-up allocates nothing. The cancellation registration is kept
/// across waits while the caller passes the same token (a relay passes one token per connection), because
/// registering per wait allocated a callback node for every read; the owner disposes the signal to drop it.
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource, IThreadPoolWorkItem, IDisposable
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Signaled = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _registeredToken;
    private bool _disposed;
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
        Register(cancellationToken);
        // A cancellation that fired while nobody waited was ignored by the standing registration.
        if (cancellationToken.IsCancellationRequested)
        {
            Cancel(cancellationToken);
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Drops the standing cancellation registration; later waits still work, without cancellation.</summary>
    public void Dispose()
    {
        CancellationTokenRegistration registration;
        lock (this)
        {
            _disposed = true;
            registration = _cancellation;
            _cancellation = default;
            _registeredToken = default;
        }
        registration.Dispose();
    }

    private void Register(CancellationToken token)
    {
        lock (this)
        {
            if (_disposed || token.Equals(_registeredToken))
            {
                return;
            }
            // Dispose waits for a running callback of the old token, so it can no longer cancel this wait.
            _cancellation.Dispose();
            _cancellation = token.CanBeCanceled ? token.UnsafeRegister(static (s, t) => ((AsyncSignal)s!).Cancel(t), this) : default;
            _registeredToken = token;
        }
    }

    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
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

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
