using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>The labels of each namespace, including the <c>kubernetes.io/metadata.name</c> label Kubernetes always sets.</summary>
public sealed class NamespaceLabels(IEnumerable<NamespaceResource> namespaces)
{
    private readonly Dictionary<string, NamespaceResource> _byName =
        namespaces.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Of(string ns)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_byName.TryGetValue(ns, out var resource))
        {
            foreach (var (key, value) in resource.Metadata.Labels)
            {
                labels[key] = value;
            }
        }

        labels["kubernetes.io/metadata.name"] = ns;
        return labels;
    }

    public NamespaceResource? Find(string ns) => _byName.GetValueOrDefault(ns);
}
