using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Hbone;

namespace Skein.Proxy.Pool;

/// <summary>Pooled HBONE client connections: at most 100 streams each, idle ones closed after 5 minutes.</summary>
/// <remarks>
/// Streams are multiplexed on an existing connection with room; a new connection is dialled only when
/// none has (one dial at a time per key, so a burst does not open a connection per request).
/// </remarks>
public sealed class HbonePool(ILogger<HbonePool> logger) : IAsyncDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);
    private readonly Lock _gate = new();
    private readonly Dictionary<HbonePoolKey, Entry> _entries = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _janitor;

    /// <summary>Connections currently pooled (open or draining).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Sum(e => e.Connections.Count);
            }
        }
    }

    public async Task<HboneClientConnection> GetAsync(HbonePoolKey key, Func<CancellationToken, Task<HboneClientConnection>> dial, CancellationToken ct)
    {
        _janitor ??= Task.Run(JanitorAsync);
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                _entries[key] = entry = new Entry();
            }

            if (entry.TryTake() is { } ready)
            {
                return ready;
            }
        }

        await entry.DialGate.WaitAsync(ct);
        try
        {
            lock (_gate)
            {
                if (entry.TryTake() is { } raced)
                {
                    return raced;
                }
            }

            var connection = await dial(ct);
            lock (_gate)
            {
                entry.Connections.Add(new Pooled(connection));
            }

            logger.LogDebug("new HBONE connection to {Destination} ({Source} -> {Identity})", key.Destination, key.SourceIdentity, key.DestinationIdentity);
            return connection;
        }
        finally
        {
            entry.DialGate.Release();
        }
    }

    private async Task JanitorAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var idle = new List<HboneClientConnection>();
                lock (_gate)
                {
                    foreach (var entry in _entries.Values)
                    {
                        entry.Connections.RemoveAll(p => p.Connection.IsClosed);
                        foreach (var pooled in entry.Connections.Where(p => p.Connection.ActiveStreams == 0 && p.IdleFor > IdleTimeout).ToList())
                        {
                            entry.Connections.Remove(pooled);
                            idle.Add(pooled.Connection);
                        }
                    }
                }

                foreach (var connection in idle)
                {
                    await connection.ShutdownAsync();
                    await connection.DisposeAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends GOAWAY on every pooled connection (a drain): idle ones close at once, busy ones once their tunnels end; returns how many.</summary>
    public int GoAway()
    {
        List<HboneClientConnection> all;
        lock (_gate)
        {
            all = [.. _entries.Values.SelectMany(e => e.Connections).Select(p => p.Connection)];
        }

        foreach (var connection in all)
        {
            _ = ShutdownQuietlyAsync(connection);
        }

        return all.Count;
    }

    private static async Task ShutdownQuietlyAsync(HboneClientConnection connection)
    {
        try
        {
            await connection.ShutdownAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        List<HboneClientConnection> all;
        lock (_gate)
        {
            all = [.. _entries.Values.SelectMany(e => e.Connections).Select(p => p.Connection)];
            _entries.Clear();
        }

        foreach (var connection in all)
        {
            await connection.DisposeAsync();
        }

        if (_janitor is not null)
        {
            await _janitor;
        }
    }

    private sealed class Entry
    {
        public readonly List<Pooled> Connections = [];
        public readonly SemaphoreSlim DialGate = new(1, 1);

        public HboneClientConnection? TryTake()
        {
            Connections.RemoveAll(p => p.Connection.IsClosed);
            foreach (var pooled in Connections)
            {
                if (pooled.Connection.CanOpenStream)
                {
                    pooled.Touch();
                    return pooled.Connection;
                }
            }

            return null;
        }
    }

    private sealed class Pooled(HboneClientConnection connection)
    {
        private long _lastUsed = Stopwatch.GetTimestamp();

        public HboneClientConnection Connection { get; } = connection;

        public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsed));

        public void Touch() => Interlocked.Exchange(ref _lastUsed, Stopwatch.GetTimestamp());
    }
}
