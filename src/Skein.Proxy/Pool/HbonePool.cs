using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Hbone;

namespace Skein.Proxy.Pool;

/// <summary>Pooled HBONE client connections: at most 100 streams each, idle ones closed after 5 minutes.</summary>
/// <remarks>
/// <para>Streams are multiplexed on the least-loaded connection with room; a caller waits for a dial only when
/// none has room (one dial at a time per key, so a burst does not open a connection per request).</para>
/// <para>A busy key is spread over up to <see cref="ConnectionsPerKey"/> connections: once the least-loaded one
/// carries <see cref="SpreadThreshold"/> streams, another is dialled in the background while callers keep using
/// the existing ones. One connection is one TLS session: its records are encrypted under one writer lock and
/// decrypted by one read loop, so every tunnel of a key queued behind a single core (the HBONE benchmark left
/// ~8 % of the CPU idle with 64 tunnels on one connection, where HAProxy, one TLS connection per client, left ~2 %).</para>
/// </remarks>
public sealed class HbonePool(ILogger<HbonePool> logger) : IAsyncDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The most connections one key spreads its streams over (the stream limit can still open more).</summary>
    public int ConnectionsPerKey { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Streams on the least-loaded connection at which another one is dialled for the key.</summary>
    public int SpreadThreshold { get; init; } = 8;

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
                if (!entry.Growing && ready.ActiveStreams >= SpreadThreshold && entry.Usable < ConnectionsPerKey)
                {
                    entry.Growing = true;
                    _ = GrowAsync(key, entry, dial);
                }

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

    /// <summary>Dials one more connection for a busy key; callers meanwhile use the ones there are, so a failure only logs.</summary>
    private async Task GrowAsync(HbonePoolKey key, Entry entry, Func<CancellationToken, Task<HboneClientConnection>> dial)
    {
        try
        {
            await entry.DialGate.WaitAsync(_stop.Token);
            try
            {
                var connection = await dial(_stop.Token);
                lock (_gate)
                {
                    entry.Connections.Add(new Pooled(connection));
                }

                logger.LogDebug("HBONE connection {Count} to {Destination} ({Source} -> {Identity}) spreads its tunnels", entry.Usable, key.Destination, key.SourceIdentity, key.DestinationIdentity);
            }
            finally
            {
                entry.DialGate.Release();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug(e, "an extra HBONE connection to {Destination} failed; its tunnels stay on the existing ones", key.Destination);
        }
        finally
        {
            lock (_gate)
            {
                entry.Growing = false;
            }
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

        /// <summary>A background dial is under way (guarded by the pool's lock).</summary>
        public bool Growing;

        /// <summary>Connections that take new streams (not closed, not draining), as of the last <see cref="TryTake"/>.</summary>
        public int Usable { get; private set; }

        /// <summary>The least-loaded connection that can open a stream now, or null.</summary>
        public HboneClientConnection? TryTake()
        {
            Connections.RemoveAll(p => p.Connection.IsClosed);
            Pooled? best = null;
            var bestLoad = int.MaxValue;
            var usable = 0;
            foreach (var pooled in Connections)
            {
                if (!pooled.Connection.CanOpenStream)
                {
                    usable += pooled.Connection.IsDraining ? 0 : 1;
                    continue;
                }

                usable++;
                var load = pooled.Connection.ActiveStreams;
                if (load < bestLoad)
                {
                    best = pooled;
                    bestLoad = load;
                }
            }

            Usable = usable;
            best?.Touch();
            return best?.Connection;
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
