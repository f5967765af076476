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
}
