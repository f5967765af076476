using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Translation;

/// <summary>
/// The workload ports Services expect of pods: Deployments in the corpus rarely declare containerPorts, so an
/// echo replica serves every numeric targetPort (or port) of each Service whose selector matches its labels.
/// </summary>
public sealed class ServicePorts
{
    private readonly List<(string Namespace, Dictionary<string, string> Selector, List<int> Ports)> _services = [];

    /// <summary>Reads the Services of every document in <paramref name="yamlTexts"/>.</summary>
    public static ServicePorts From(IEnumerable<string> yamlTexts)
    {
        var result = new ServicePorts();
        foreach (var text in yamlTexts)
        {
            foreach (var doc in ManifestDocuments.Split(text))
            {
                if (doc.Kind != "Service" || doc.Root is null)
                {
                    continue;
                }

                var selector = ManifestDocuments.StringMap(doc.Root, "spec", "selector");
                if (selector.Count == 0)
                {
                    continue;
                }

                var ports = new List<int>();
                foreach (var port in ManifestDocuments.Sequence(doc.Root, "spec", "ports").OfType<YamlMappingNode>())
                {
                    var target = ManifestDocuments.Scalar(port, "targetPort") ?? ManifestDocuments.Scalar(port, "port");
                    if (int.TryParse(target, out var number))
                    {
                        ports.Add(number);
                    }
                }

                result._services.Add((doc.Namespace ?? "default", selector, ports));
            }
        }

        return result;
    }

    /// <summary>The ports a pod with <paramref name="labels"/> in <paramref name="ns"/> must serve.</summary>
    public IEnumerable<int> For(string ns, IReadOnlyDictionary<string, string> labels) =>
        _services.Where(s => s.Namespace == ns && s.Selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            .SelectMany(s => s.Ports);
}
