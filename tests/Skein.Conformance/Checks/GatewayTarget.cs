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
    public (int Port, string Scheme) For(string? host, string? serverName = null)
    {
        // A TLS server name means the HTTPS listener the route attaches to (or the Gateway's first HTTPS one).
        if (serverName is { Length: > 0 })
        {
            var https = Default is { } d && IsHttps(d) ? d : Listeners.FirstOrDefault(IsHttps);
            if (https is not null)
            {
                return (https.Port, "https");
            }
        }

        var explicitPort = host is not null && host.LastIndexOf(':') is var colon and > 0 && int.TryParse(host[(colon + 1)..], out var p) ? p : (int?)null;
        // A Host port no listener has is just part of the Host header (hostname-intersection tests send those).
        var listener = explicitPort is { } port ? Listeners.FirstOrDefault(l => l.Port == port) ?? Default : Default;
        listener ??= new ListenerSpec("", 80, "HTTP");
        return (listener.Port, listener.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http");
    }

    /// <summary>The listener for <paramref name="protocol"/>: the route's when it speaks it, else the Gateway's first such one.</summary>
    public ListenerSpec? ListenerFor(string protocol) =>
        Default is { } d && d.Protocol.Equals(protocol, StringComparison.OrdinalIgnoreCase)
            ? d
            : Listeners.FirstOrDefault(l => l.Protocol.Equals(protocol, StringComparison.OrdinalIgnoreCase));

    private static bool IsHttps(ListenerSpec l) => l.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The Gateway upstream's test sends to (<paramref name="gateway"/> = "namespace/name"): the resolved target for
    /// it when a route attaches to it, else its definition with its first listener; empty when nobody defines it.
    /// </summary>
    public static IReadOnlyList<GatewayTarget> Pin(IReadOnlyList<GatewayTarget> resolved, string gateway, IReadOnlyList<ManifestDocument> testDocs, IReadOnlyList<ManifestDocument> baseDocs)
    {
        var (ns, name) = (gateway.Split('/')[0], gateway.Split('/')[1]);
        var matching = resolved.Where(t => t.Namespace == ns && t.Name == name).ToList();
        if (matching.Count > 0)
        {
            // Several routes may name different listeners of it; the first keeps upstream's single address.
            return [matching[0]];
        }

        var doc = testDocs.Concat(baseDocs).FirstOrDefault(d => d.Kind == "Gateway" && d.Name == name && (d.Namespace ?? "default") == ns);
        if (doc?.Root is null)
        {
            return [];
        }

        var listeners = ListenersOf(doc.Root);
        return [new GatewayTarget(ns, name, listeners, listeners.FirstOrDefault())];
    }

    private static List<ListenerSpec> ListenersOf(YamlMappingNode gateway) =>
        ManifestDocuments.Sequence(gateway, "spec", "listeners").OfType<YamlMappingNode>()
            .Select(l => new ListenerSpec(
                ManifestDocuments.Scalar(l, "name") ?? "",
                int.TryParse(ManifestDocuments.Scalar(l, "port"), out var port) ? port : 80,
                ManifestDocuments.Scalar(l, "protocol") ?? "HTTP"))
            .ToList();

    /// <summary>
    /// The Gateways a test's requests may go to: each Gateway parentRef of the test's HTTPRoutes (with the
    /// listener its sectionName or port names), and the parent Gateway of each ListenerSet parentRef (with the
    /// ListenerSet's listeners, served on the Gateway's addresses), in manifest order; else the first Gateway the
    /// test defines. cases.json does not say which Gateway a case targets, so the runner tries these in order.
    /// </summary>
    public static IReadOnlyList<GatewayTarget> Resolve(IReadOnlyList<ManifestDocument> testDocs, IReadOnlyList<ManifestDocument> baseDocs)
    {
        var refs = new List<(string Ns, string Name, string? Section, int? Port, List<ListenerSpec>? ListenerSet)>();
        foreach (var route in testDocs.Where(d => d.Kind is "HTTPRoute" or "GRPCRoute" or "TCPRoute" or "TLSRoute" && d.Root is not null))
        {
            foreach (var parent in ManifestDocuments.Sequence(route.Root!, "spec", "parentRefs").OfType<YamlMappingNode>())
            {
                var kind = ManifestDocuments.Scalar(parent, "kind") ?? "Gateway";
                var ns = ManifestDocuments.Scalar(parent, "namespace") ?? route.Namespace ?? "default";
                var name = ManifestDocuments.Scalar(parent, "name") ?? "";
                var section = ManifestDocuments.Scalar(parent, "sectionName");
                int? port = int.TryParse(ManifestDocuments.Scalar(parent, "port"), out var pp) ? pp : null;
                if (kind == "Gateway")
                {
                    refs.Add((ns, name, section, port, null));
                }
                else if (kind == "ListenerSet"
                    && testDocs.FirstOrDefault(d => d.Kind == "ListenerSet" && d.Name == name && (d.Namespace ?? "default") == ns)?.Root is { } listenerSet)
                {
                    refs.Add((
                        ManifestDocuments.Scalar(listenerSet, "spec", "parentRef", "namespace") ?? ns,
                        ManifestDocuments.Scalar(listenerSet, "spec", "parentRef", "name") ?? "",
                        section,
                        port,
                        ListenersOf(listenerSet)));
                }
            }
        }

        if (refs.Count == 0 && testDocs.FirstOrDefault(d => d.Kind == "Gateway") is { Name: not null } own)
        {
            refs.Add((own.Namespace ?? "default", own.Name, null, null, null));
        }

        var targets = new List<GatewayTarget>();
        foreach (var (ns, name, section, parentPort, listenerSet) in refs)
        {
            var gateway = testDocs.Concat(baseDocs).FirstOrDefault(d => d.Kind == "Gateway" && d.Name == name && (d.Namespace ?? "default") == ns);
            if (gateway?.Root is null)
            {
                // A parentRef to a Gateway nobody defines (an invalid-reference test): nothing to send to.
                continue;
            }

            // A ListenerSet parentRef names the ListenerSet's listeners; the Gateway serves them with its own.
            var named = listenerSet ?? ListenersOf(gateway.Root);
            var listeners = listenerSet is null ? named : [.. ListenersOf(gateway.Root), .. listenerSet];
            var chosen = (section is not null ? named.FirstOrDefault(l => l.Name == section) : null)
                ?? (parentPort is { } pport ? named.FirstOrDefault(l => l.Port == pport) : null)
                ?? named.FirstOrDefault();
            var target = new GatewayTarget(ns, name, listeners, chosen);
            if (!targets.Any(t => t.Namespace == ns && t.Name == name && t.Default == chosen))
            {
                targets.Add(target);
            }
        }

        return targets;
    }
}
