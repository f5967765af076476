namespace Skein.Proxy.Hbone;

/// <summary>One stream's share of send-side flow control; its fields are guarded by <see cref="SendFlowControl"/>'s lock.</summary>
internal sealed class StreamSendWindow(int initialWindow)
{
    public long Window = initialWindow;
    public TaskCompletionSource? Waiter;
    public Exception? Failure;
}

/// <summary>Send-side flow control (RFC 9113 §5.2, §6.9): a writer takes credit from both the connection and its stream window, waiting for WINDOW_UPDATE when either is empty.</summary>
/// <remarks>
/// One lock covers the connection window and every stream window, so taking credit from both is atomic
/// and SETTINGS_INITIAL_WINDOW_SIZE changes can adjust all streams consistently. The fast path (credit
/// available) allocates nothing; only a writer that has to wait allocates its waiter.
/// </remarks>
internal sealed class SendFlowControl
{
    private readonly object _sync = new();
    private readonly List<TaskCompletionSource> _connectionWaiters = [];
    private long _connectionWindow = Http2Frames.DefaultInitialWindowSize;
    private Exception? _failure;

    public long ConnectionWindow
    {
        get { lock (_sync) { return _connectionWindow; } }
    }

    /// <summary>Takes between 1 and <paramref name="wanted"/> octets of credit, waiting while either window is empty.</summary>
    public ValueTask<int> AcquireAsync(StreamSendWindow stream, int wanted, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            var taken = TryTake(stream, wanted);
            if (taken > 0)
            {
                return new ValueTask<int>(taken);
            }
        }
        return AcquireSlowAsync(stream, wanted, cancellationToken);
    }

    private async ValueTask<int> AcquireSlowAsync(StreamSendWindow stream, int wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_sync)
            {
                var taken = TryTake(stream, wanted);
                if (taken > 0)
                {
                    return taken;
                }
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (stream.Window <= 0)
                {
                    stream.Waiter = waiter;
                }
                else
                {
                    _connectionWaiters.Add(waiter);
                }
            }
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int TryTake(StreamSendWindow stream, int wanted)
    {
        if (stream.Failure is { } streamFailure)
        {
            throw Rethrowable(streamFailure);
        }
        if (_failure is { } failure)
        {
            throw Rethrowable(failure);
        }
        var taken = (int)Math.Min(wanted, Math.Min(_connectionWindow, stream.Window));
        if (taken <= 0)
        {
            return 0;
        }
        _connectionWindow -= taken;
        stream.Window -= taken;
        return taken;
    }

    /// <summary>Gives back credit taken for a write that was cancelled before anything was sent.</summary>
    public void Return(StreamSendWindow stream, int count)
    {
        lock (_sync)
        {
            _connectionWindow += count;
            stream.Window += count;
            WakeAll(stream);
        }
    }

    /// <summary>Applies a connection-level WINDOW_UPDATE; overflowing 2^31-1 is a connection error.</summary>
    public void OnConnectionWindowUpdate(int increment)
    {
        lock (_sync)
        {
            _connectionWindow += increment;
            if (_connectionWindow > Http2Frames.MaxWindowSize)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "connection flow-control window overflow");
            }
            foreach (var waiter in _connectionWaiters)
            {
                waiter.TrySetResult();
            }
            _connectionWaiters.Clear();
        }
    }

    /// <summary>Applies a stream WINDOW_UPDATE; returns false when the window would overflow (a stream error).</summary>
    public bool OnStreamWindowUpdate(StreamSendWindow stream, int increment)
    {
        lock (_sync)
        {
            if (stream.Window + increment > Http2Frames.MaxWindowSize)
            {
                return false;
            }
            stream.Window += increment;
            if (stream.Window > 0)
            {
                stream.Waiter?.TrySetResult();
                stream.Waiter = null;
            }
            return true;
        }
    }

    /// <summary>Applies a SETTINGS_INITIAL_WINDOW_SIZE change to every open stream (§6.9.2); windows may go negative.</summary>
    public void OnInitialWindowSizeChanged(int delta, IEnumerable<StreamSendWindow> streams)
    {
        lock (_sync)
        {
            foreach (var stream in streams)
            {
                stream.Window += delta;
                if (stream.Window > Http2Frames.MaxWindowSize)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window");
                }
                if (stream.Window > 0)
                {
                    stream.Waiter?.TrySetResult();
                    stream.Waiter = null;
                }
            }
        }
    }

    /// <summary>Fails a stream's pending and future acquisitions (reset, disposed, or closed for writing).</summary>
    public void FailStream(StreamSendWindow stream, Exception failure)
    {
        lock (_sync)
        {
            stream.Failure ??= failure;
            stream.Waiter?.TrySetResult();
            stream.Waiter = null;
        }
    }

    /// <summary>Fails everything: the connection is gone.</summary>
    public void Fail(Exception failure)
    {
        lock (_sync)
        {
            _failure ??= failure;
            foreach (var waiter in _connectionWaiters)
            {
                waiter.TrySetResult();
            }
            _connectionWaiters.Clear();
        }
    }

    private void WakeAll(StreamSendWindow stream)
    {
        stream.Waiter?.TrySetResult();
        stream.Waiter = null;
        foreach (var waiter in _connectionWaiters)
        {
            waiter.TrySetResult();
        }
        _connectionWaiters.Clear();
    }

    private static Exception Rethrowable(Exception failure) => failure switch
    {
        HboneStreamResetException reset => new HboneStreamResetException(reset.Code, reset.Message),
        IOException io => new IOException(io.Message, io),
        ObjectDisposedException od => new ObjectDisposedException(od.ObjectName, od.Message),
        _ => new IOException(failure.Message, failure),
    };
}

/// <summary>Receive-side flow control for one window (a stream's or the connection's): checks the peer stays within the credit granted and decides when to grant more.</summary>
/// <remarks>
/// Credit is returned only once the application has consumed the bytes, so a slow reader bounds the memory
/// it can pin to its window. Updates are batched: nothing is sent until half the window has been consumed,
/// which keeps WINDOW_UPDATE traffic to a couple of frames per window's worth of data.
/// </remarks>
internal sealed class ReceiveWindow
{
    private readonly object _sync = new();
    private readonly int _size;
    private readonly int _threshold;
    private long _available;
    private int _unannounced;

    public ReceiveWindow(int size)
    {
        _size = size;
        _threshold = Math.Max(1, size / 2);
        _available = size;
    }

    public int Size => _size;

    /// <summary>Accounts for a received DATA frame's flow-controlled length; false means the peer overran its credit.</summary>
    public bool TryReserve(int count)
    {
        lock (_sync)
        {
            if (count > _available)
            {
                return false;
            }
            _available -= count;
            return true;
        }
    }

    /// <summary>Records consumed octets; returns the WINDOW_UPDATE increment to send now, or 0 to keep batching.</summary>
    public int Release(int count)
    {
        lock (_sync)
        {
            _unannounced += count;
            if (_unannounced < _threshold)
            {
                return 0;
            }
            var increment = _unannounced;
            _unannounced = 0;
            _available += increment;
            return increment;
        }
    }
}
