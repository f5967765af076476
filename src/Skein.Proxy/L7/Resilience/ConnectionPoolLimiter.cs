using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Resilience;

/// <summary>A Service's connection-pool limits in this proxy: active requests, connections in use and requests waiting for one.</summary>
/// <remarks>
/// Counted per request rather than by the HTTP handler: <c>SocketsHttpHandler.MaxConnectionsPerServer</c> is per
/// endpoint and per handler, while the limits are per Service. An HTTP/1.1 request holds its connection for its
/// whole exchange, so connections in use equal HTTP/1.1 requests in flight; a request finding all
/// <c>maxConnections</c> busy waits (pending) for one, up to <c>maxPendingRequests</c>. HTTP/2 (h2c) backends
/// multiplex, so only <c>maxRequests</c> applies to them. Over a limit the request is refused at once (Envoy's overflow).
/// </remarks>
public sealed class ConnectionPoolLimiter(ResilienceConnectionPool settings)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource<bool>> _waiting = new();
    private int _active;
    private int _connections;

    /// <summary>Requests in flight now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Requests waiting for a connection now.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Admits a request, waiting for a connection if allowed; the lease is null with the reason when it overflows.</summary>
    public async ValueTask<(PoolLease? Lease, string? Overflow)> EnterAsync(bool holdsConnection, CancellationToken ct)
    {
        TaskCompletionSource<bool> waiter;
        LinkedListNode<TaskCompletionSource<bool>> node;
        lock (_gate)
        {
            if (settings.HasMaxRequests && _active >= settings.MaxRequests)
            {
                return (null, $"{_active} requests are active, the maxRequests limit");
            }

            if (!holdsConnection || !settings.HasMaxConnections || _connections < settings.MaxConnections)
            {
                return (Admit(holdsConnection), null);
            }

            if (settings.HasMaxPendingRequests && _waiting.Count >= settings.MaxPendingRequests)
            {
                return (null, $"all {settings.MaxConnections} connections (maxConnections) are in use and {_waiting.Count} requests wait for one, the maxPendingRequests limit");
            }

            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(waiter);
        }

        await using (ct.Register(() => waiter.TrySetCanceled(ct)))
        {
            try
            {
                await waiter.Task;
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    // Still queued: leave. Otherwise a release already passed over this cancelled waiter.
                    if (node.List is not null)
                    {
                        _waiting.Remove(node);
                    }
                }

                throw;
            }
        }

        return (new PoolLease(this, holdsConnection), null);
    }

    private PoolLease Admit(bool holdsConnection)
    {
        _active++;
        if (holdsConnection)
        {
            _connections++;
        }

        return new PoolLease(this, holdsConnection);
    }

    internal void Exit(bool holdsConnection)
    {
        lock (_gate)
        {
            Release(holdsConnection);
        }
    }

    // Called under _gate. A freed connection goes straight to the first live waiter, which keeps the counts.
    private void Release(bool holdsConnection)
    {
        if (holdsConnection)
        {
            while (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                if (first.Value.TrySetResult(true))
                {
                    return;
                }
            }

            _connections--;
        }

        _active--;
    }
}

/// <summary>A request admitted by a <see cref="ConnectionPoolLimiter"/>; disposing it frees its place.</summary>
public sealed class PoolLease(ConnectionPoolLimiter limiter, bool holdsConnection) : IDisposable
{
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            limiter.Exit(holdsConnection);
        }
    }
}
