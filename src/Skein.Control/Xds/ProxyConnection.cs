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

    public long Pushes { get; private set; }
    public long ResourcesSent { get; private set; }
    public long Removals { get; private set; }
    public long Acks { get; private set; }
    public long Nacks { get; private set; }
    public long ConfigVersion { get; private set; }
    public string? LastNack { get; private set; }
    public DateTimeOffset? LastNackAt { get; private set; }

    /// <summary>The stream's counters read together, so a reader never sees a NACK counted without its message.</summary>
    public ProxyCounters Counters()
    {
        lock (_gate)
        {
            return new ProxyCounters(ConfigVersion, Pushes, ResourcesSent, Removals, Acks, Nacks, LastNack, LastNackAt);
        }
    }

    internal void RecordPush(int resources, int removals, long configVersion)
    {
        lock (_gate)
        {
            Pushes++;
            ResourcesSent += resources;
            Removals += removals;
            ConfigVersion = configVersion;
        }
    }

    internal void RecordAck()
    {
        lock (_gate)
        {
            Acks++;
        }
    }

    internal void RecordNack(string message)
    {
        lock (_gate)
        {
            Nacks++;
            LastNack = message;
            LastNackAt = DateTimeOffset.UtcNow;
        }
    }
}

/// <summary>One consistent reading of a proxy stream's counters.</summary>
public readonly record struct ProxyCounters(long ConfigVersion, long Pushes, long ResourcesSent, long Removals, long Acks, long Nacks, string? LastNack, DateTimeOffset? LastNackAt);
