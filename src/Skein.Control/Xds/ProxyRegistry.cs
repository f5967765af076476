using System.Collections.Concurrent;

namespace Skein.Control.Xds;

/// <summary>The proxies currently connected over xDS.</summary>
public sealed class ProxyRegistry
{
    private readonly ConcurrentDictionary<string, ProxyConnection> _connections = new();

    public IReadOnlyList<ProxyConnection> Connected => _connections.Values.OrderBy(c => c.Node, StringComparer.Ordinal).ToList();

    /// <summary>NACKs seen since start, including from proxies that have disconnected.</summary>
    public long TotalNacks => Interlocked.Read(ref _totalNacks);

    private long _totalNacks;

    internal void Add(ProxyConnection connection) => _connections[connection.Id] = connection;

    internal void Remove(ProxyConnection connection) => _connections.TryRemove(connection.Id, out _);

    internal void CountNack() => Interlocked.Increment(ref _totalNacks);

    /// <summary>xDS responses sent since start, including to proxies that have disconnected.</summary>
    public long TotalPushes => Interlocked.Read(ref _totalPushes);

    private long _totalPushes;

    /// <summary>Seconds from an accepted config change to each push it caused (Prometheus histogram buckets).</summary>
    public PushLatency PushLatency { get; } = new();

    internal void CountPush(TimeSpan? sinceChange)
    {
        Interlocked.Increment(ref _totalPushes);
        if (sinceChange is { } latency)
        {
            PushLatency.Observe(latency.TotalSeconds);
        }
    }
}
