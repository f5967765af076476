namespace Skein.Proxy.Xds;

/// <summary>The proxy's view of its xDS session: connection state, applied versions, last rejection.</summary>
public sealed class XdsStatus
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, string>> _versions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _synced = new(StringComparer.Ordinal);

    public volatile bool Connected;

    public string? LastRejection { get; private set; }

    public DateTimeOffset? LastRejectionAt { get; private set; }

    public string? ControlPlaneVersion { get; private set; }

    /// <summary>True once every subscribed type has been received at least once (or restored).</summary>
    public bool HasConfig(IEnumerable<string> types)
    {
        lock (_gate)
        {
            return types.All(_synced.Contains);
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> KnownVersions(string typeUrl)
    {
        lock (_gate)
        {
            return _versions.TryGetValue(typeUrl, out var v) ? v.ToList() : [];
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> AllVersions()
    {
        lock (_gate)
        {
            return _versions.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, string>)new SortedDictionary<string, string>(p.Value, StringComparer.Ordinal));
        }
    }

    internal void Applied(string typeUrl, IEnumerable<(string Name, string Version)> updated, IEnumerable<string> removed, string systemVersion)
    {
        lock (_gate)
        {
            if (!_versions.TryGetValue(typeUrl, out var v))
            {
                _versions[typeUrl] = v = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            foreach (var (name, version) in updated)
            {
                v[name] = version;
            }

            foreach (var name in removed)
            {
                v.Remove(name);
            }

            _synced.Add(typeUrl);
            ControlPlaneVersion = systemVersion;
        }
    }

    internal void Rejected(string typeUrl, string message)
    {
        lock (_gate)
        {
            LastRejection = $"{typeUrl}: {message}";
            LastRejectionAt = DateTimeOffset.UtcNow;
        }
    }
}
