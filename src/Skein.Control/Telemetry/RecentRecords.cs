namespace Skein.Control.Telemetry;

/// <summary>A bounded ring of the latest records with their resolved ends, searched by request id or by (source, destination).</summary>
/// <remarks>A linear scan of a few thousand entries is cheaper than keeping indexes consistent under eviction.</remarks>
public sealed class RecentRecords(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Entry[] _ring = new Entry[capacity];
    private long _next;

    public void Add(ObservedRecord record, string source, string target)
    {
        lock (_gate)
        {
            _ring[(int)(_next++ % _ring.Length)] = new Entry(record, source, target);
        }
    }

    /// <summary>Every record with this request id (or connection id), oldest first.</summary>
    public IReadOnlyList<Entry> WithRequestId(string requestId) => Find(e => e.Record.RequestId == requestId || e.Record.ConnectionId == requestId);

    /// <summary>Records whose ends match, newest last; a side matches its node id, "ns/name" or a bare name.</summary>
    public IReadOnlyList<Entry> Between(string? source, string? destination) =>
        Find(e => Matches(e.Source, e.Record.SourceWorkload, source) && Matches(e.Target, e.Record.DestinationWorkload, destination));

    private IReadOnlyList<Entry> Find(Func<Entry, bool> predicate)
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_next, _ring.Length);
            var result = new List<Entry>();
            for (var i = _next - count; i < _next; i++)
            {
                var e = _ring[(int)(i % _ring.Length)];
                if (predicate(e))
                {
                    result.Add(e);
                }
            }

            return result;
        }
    }

    /// <summary>"payments" matches service:bookstore/payments, workload:bookstore/payments-v1 (its destination workload) and so on.</summary>
    internal static bool Matches(string id, string? workload, string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return true;
        }

        if (id == query)
        {
            return true;
        }

        var rest = id[(id.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var name = rest[(rest.IndexOf('/', StringComparison.Ordinal) + 1)..];
        return rest == query || name == query || workload == query || (query.Contains('/') && query == $"{rest.Split('/')[0]}/{workload}");
    }

    /// <summary>A record with its resolved topology ends.</summary>
    public sealed record Entry(ObservedRecord Record, string Source, string Target);
}
