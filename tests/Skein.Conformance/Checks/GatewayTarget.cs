using Skein.Conformance.Translation;
using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Checks;

/// <summary>A Gateway listener as its manifest declares it.</summary>
public sealed record ListenerSpec(string Name, int Port, string Protocol);

/// <summary>The Gateway a test's requests go to, with its listeners and the listener the test's route attaches to.</summary>
public sealed record GatewayTarget(string Namespace, string Name, IReadOnlyList<ListenerSpec> Listeners, ListenerSpec? Default)
{
    /// <summary>
    /// The listener for a case: a Host header with an explicit port picks the listener on that port (as upstream's
    /// port-matching tests do), otherwise the one the route's parentRef names, otherwise the first.
    /// </summary>
    public (int Port, string Scheme) For(string? host)
    {
        var explicitPort = host is not null && host.LastIndexOf(':') is var colon and > 0 && int.TryParse(host[(colon + 1)..], out var p) ? p : (int?)null;
        var listener = explicitPort is { } port ? Listeners.FirstOrDefault(l => l.Port == port) ?? new ListenerSpec("", port, "HTTP") : Default;
        listener ??= new ListenerSpec("", 80, "HTTP");
        return (listener.Port, listener.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http");
    }

    /// <summary>
    /// Picks the target from the test's documents: the first Gateway parentRef of the first HTTPRoute, else the
    /// first Gateway the test defines; the Gateway's listeners come from the test's or the base manifests.
    /// </summary>
    public static GatewayTarget? Resolve(IReadOnlyList<ManifestDocument> testDocs, IReadOnlyList<ManifestDocument> baseDocs)
    {
        string? ns = null, name = null, section = null;
        int? parentPort = null;
        foreach (var route in testDocs.Where(d => d.Kind == "HTTPRoute" && d.Root is not null))
        {
            var parent = ManifestDocuments.Sequence(route.Root!, "spec", "parentRefs").OfType<YamlMappingNode>()
                .FirstOrDefault(p => (ManifestDocuments.Scalar(p, "kind") ?? "Gateway") == "Gateway");
            if (parent is null)
            {
                continue;
            }

            name = ManifestDocuments.Scalar(parent, "name");
            ns = ManifestDocuments.Scalar(parent, "namespace") ?? route.Namespace ?? "default";
            section = ManifestDocuments.Scalar(parent, "sectionName");
            parentPort = int.TryParse(ManifestDocuments.Scalar(parent, "port"), out var pp) ? pp : null;
            break;
        }

        if (name is null && testDocs.FirstOrDefault(d => d.Kind == "Gateway") is { } own)
        {
            (ns, name) = (own.Namespace ?? "default", own.Name);
        }

        if (name is null)
        {
            return null;
        }

        var gateway = testDocs.Concat(baseDocs).FirstOrDefault(d => d.Kind == "Gateway" && d.Name == name && (d.Namespace ?? "default") == ns);
        var listeners = gateway?.Root is null ? [] : ManifestDocuments.Sequence(gateway.Root, "spec", "listeners").OfType<YamlMappingNode>()
            .Select(l => new ListenerSpec(
                ManifestDocuments.Scalar(l, "name") ?? "",
                int.TryParse(ManifestDocuments.Scalar(l, "port"), out var port) ? port : 80,
                ManifestDocuments.Scalar(l, "protocol") ?? "HTTP"))
            .ToList();
        var chosen = (section is not null ? listeners.FirstOrDefault(l => l.Name == section) : null)
            ?? (parentPort is { } pport ? listeners.FirstOrDefault(l => l.Port == pport) : null)
            ?? listeners.FirstOrDefault();
        return new GatewayTarget(ns!, name, listeners, chosen);
    }
}
