namespace Skein.Proxy.State;

/// <summary>Holds the proxy's current <see cref="MeshState"/>; the data path reads it lock-free.</summary>
public sealed class ProxyStateStore
{
    private MeshState _current = MeshState.Empty;

    public MeshState Current => Volatile.Read(ref _current);

    /// <summary>When the proxy last applied config from the control plane (null until then).</summary>
    public DateTimeOffset? LastUpdate { get; private set; }

    public void Replace(Func<MeshState, MeshState> update)
    {
        lock (this)
        {
            Volatile.Write(ref _current, update(_current));
            LastUpdate = DateTimeOffset.UtcNow;
        }
    }
}
