namespace Skein.Proxy.L7.Configuration;

/// <summary>Holds the current <see cref="L7Config"/>; the data path reads it lock-free on every request.</summary>
public sealed class L7ConfigStore
{
    private L7Config _current = L7Config.Empty;

    public L7Config Current => Volatile.Read(ref _current);

    public void Set(L7Config config) => Volatile.Write(ref _current, config);
}
