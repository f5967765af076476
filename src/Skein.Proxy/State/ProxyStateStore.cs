namespace Skein.Proxy.State;

/// <summary>Holds the proxy's current <see cref="MeshState"/>; the data path reads it lock-free.</summary>
public sealed class ProxyStateStore
{
    private MeshState _current = MeshState.Empty;

    public MeshState Current => Volatile.Read(ref _current);

    /// <summary>When the proxy last applied config from the control plane (null until then).</summary>
    public DateTimeOffset? LastUpdate { get; private set; }

    /// <summary>Raised after each change, outside the lock.</summary>
    public event Action<MeshState>? Changed;

    public void Replace(Func<MeshState, MeshState> update)
    {
        MeshState next;
        lock (_gate)
        {
            next = update(_current);
            Volatile.Write(ref _current, next);
            LastUpdate = DateTimeOffset.UtcNow;
        }

        Changed?.Invoke(next);
    }

    private readonly Lock _gate = new();
}
