using Skein.Control.Compiler;

namespace Skein.Control.Xds;

/// <summary>Per type URL state of one delta xDS stream: what the proxy has, so only differences are sent.</summary>
internal sealed class DeltaSubscription(string typeUrl)
{
    /// <summary>Resource name to the version the proxy holds (or was last sent).</summary>
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string> _explicit = new(StringComparer.Ordinal);

    public string TypeUrl { get; } = typeUrl;

    public bool Wildcard { get; private set; }

    public void Subscribe(IEnumerable<string> names, IEnumerable<KeyValuePair<string, string>> initialVersions, bool first)
    {
        var list = names.ToList();
        // Delta xDS: a first request with no names is the legacy wildcard; "*" is the explicit one.
        if ((first && list.Count == 0) || list.Contains("*"))
        {
            Wildcard = true;
        }

        foreach (var name in list.Where(n => n != "*"))
        {
            _explicit.Add(name);
            _known.Remove(name); // the protocol requires re-sending explicitly subscribed names
        }

        foreach (var (name, version) in initialVersions)
        {
            _known[name] = version;
        }
    }

    public void Unsubscribe(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (name == "*")
            {
                Wildcard = false;
            }

            _explicit.Remove(name);
            _known.Remove(name);
        }
    }

    /// <summary>Computes what to send for the desired set, and records it as known.</summary>
    public (List<XdsResource> Updated, List<string> Removed) Diff(IReadOnlyDictionary<string, XdsResource> desired)
    {
        var updated = new List<XdsResource>();
        var removed = new List<string>();
        foreach (var (name, resource) in desired)
        {
            if (!Wildcard && !_explicit.Contains(name))
            {
                continue;
            }

            if (!_known.TryGetValue(name, out var version) || version != resource.Version)
            {
                updated.Add(resource);
                _known[name] = resource.Version;
            }
        }

        foreach (var name in _known.Keys.Where(n => !desired.ContainsKey(n)).ToList())
        {
            removed.Add(name);
            _known.Remove(name);
        }

        return (updated, removed);
    }
}
