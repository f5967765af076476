namespace Skein.Control.Xds;

/// <summary>What the control plane knows about one connected proxy's xDS stream (for the API, metrics and tests).</summary>
public sealed class ProxyConnection(string id, string node, string role, string peer)
{
    private readonly Lock _gate = new();

    public string Id { get; } = id;
    public string Node { get; } = node;
    public string Role { get; } = role;
    public string Peer { get; } = peer;
    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    // Written and read only under the lock, as one value: a reader never sees a NACK counted without its message.
    private ProxyCounters _counters;

    /// <summary>The stream's counters, read together.</summary>
    public ProxyCounters Counters()
    {
        lock (_gate)
        {
            return _counters;
        }
    }

    internal void RecordPush(int resources, int removals, long configVersion)
    {
        lock (_gate)
        {
            _counters = _counters with
            {
                Pushes = _counters.Pushes + 1,
                ResourcesSent = _counters.ResourcesSent + resources,
                Removals = _counters.Removals + removals,
                ConfigVersion = configVersion,
            };
        }
    }

    internal void RecordAck()
    {
        lock (_gate)
        {
            _counters = _counters with { Acks = _counters.Acks + 1 };
        }
    }

    internal void RecordNack(string message)
    {
        lock (_gate)
        {
            _counters = _counters with { Nacks = _counters.Nacks + 1, LastNack = message, LastNackAt = DateTimeOffset.UtcNow };
        }
    }
}

/// <summary>One consistent reading of a proxy stream's counters.</summary>
public readonly record struct ProxyCounters(long ConfigVersion, long Pushes, long ResourcesSent, long Removals, long Acks, long Nacks, string? LastNack, DateTimeOffset? LastNackAt);
