namespace Skein.Control.Compiler;

/// <summary>Everything one proxy should hold: per type URL, resources by name.</summary>
public sealed class ProxyView(IReadOnlyDictionary<string, IReadOnlyDictionary<string, XdsResource>> byType)
{
    public IReadOnlyDictionary<string, XdsResource> Get(string typeUrl) =>
        byType.TryGetValue(typeUrl, out var resources) ? resources : Empty;

    private static readonly IReadOnlyDictionary<string, XdsResource> Empty = new Dictionary<string, XdsResource>();
}
