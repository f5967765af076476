using System.Collections.Concurrent;
using System.Text;

namespace Skein.Proxy.Telemetry;

/// <summary>The proxy's counters and gauges, named in Envoy's dotted style (served on the admin <c>/stats</c>).</summary>
public sealed class ProxyStats
{
    private readonly ConcurrentDictionary<string, Counter> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClusterCounters> _clusters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Namespace, string Name), InboundWorkloadCounters> _inbound = new();

    /// <summary>The counter with this name, created on first use; hold on to it on hot paths.</summary>
    public Counter Get(string name) => _values.GetOrAdd(name, static _ => new Counter());

    /// <summary>The counters of an upstream cluster, for the per-connection path.</summary>
    public ClusterCounters Cluster(string cluster) => _clusters.GetOrAdd(cluster, static (c, s) => new ClusterCounters(s, c), this);

    /// <summary>The inbound counters of a local workload, for the per-connection path.</summary>
    public InboundWorkloadCounters InboundWorkload(string ns, string name) =>
        _inbound.GetOrAdd((ns, name), static (k, s) => new InboundWorkloadCounters(s, k.Namespace, k.Name), this);

    public void Increment(string name, long by = 1) => Get(name).Add(by);

    public void Decrement(string name) => Get(name).Add(-1);

    public long Read(string name) => _values.TryGetValue(name, out var c) ? c.Value : 0;

    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
        _values.Select(p => new KeyValuePair<string, long>(p.Key, p.Value.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    public string RenderText()
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in Snapshot())
        {
            sb.Append(name).Append(": ").Append(value).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Envoy's cluster name for a service port, e.g. <c>outbound|8080||catalog.bookstore.svc.cluster.local</c>.</summary>
    public static string ClusterName(string hostname, int port) => $"outbound|{port}||{hostname}";
}

/// <summary>A thread-safe 64-bit counter.</summary>
public sealed class Counter
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Add(long by) => Interlocked.Add(ref _value, by);
}
