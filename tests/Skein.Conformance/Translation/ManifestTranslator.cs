using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Translation;

/// <summary>A resource the control plane should hold once a translated file is loaded.</summary>
public sealed record ResourceRef(string Kind, string? Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    /// <summary>The object a resolution's key names: "Kind/namespace/name", or "Kind/name" for a cluster-scoped kind.</summary>
    public static ResourceRef FromKey(string key) => key.Split('/') switch
    {
        [var kind, var name] => new ResourceRef(kind, null, name),
        [var kind, var ns, var name] => new ResourceRef(kind, ns, name),
        _ => throw new FormatException($"expected Kind/namespace/name, got '{key}'"),
    };

    /// <summary>How a document is named in a resolution's keys (namespace "default" when a namespaced one omits it).</summary>
    public static ResourceRef Of(string kind, string? ns, string name) =>
        new(kind, ResourceKinds.Find(kind) is { IsNamespaced: false } ? null : ns ?? "default", name);
}

/// <summary>The embedded-mode form of a set of manifests: YAML for the config dir, echo pods to start, and what was left out.</summary>
public sealed record TranslatedManifests(string Yaml, IReadOnlyList<ResourceRef> Resources, IReadOnlyList<EchoPod> Pods, IReadOnlyList<string> Dropped);

/// <summary>
/// Translates Kubernetes manifests for embedded mode: templated class names are filled in, each Deployment
/// replica becomes a Workload on the backend node plus an echo process, and kinds Skein does not load
/// (EndpointSlice, …) are dropped with a note instead of failing the whole file.
/// </summary>
public sealed class ManifestTranslator(string gatewayClassName, string backendNode, ServicePorts servicePorts, Func<IPAddress> nextAddress)
{
    /// <summary>The controllerName Skein's control plane owns GatewayClasses by.</summary>
    public const string ControllerName = "skein.dev/gateway-controller";

    /// <summary>Labels added to Namespaces by name (the mesh namespace opts into its waypoint this way).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabels { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>What address placeholders in Gateways become; null leaves them as written.</summary>
    public StaticAddresses? StaticAddresses { get; init; }

    /// <summary>
    /// Translates the concatenated documents of <paramref name="yamlTexts"/>. <paramref name="serviceSelectors"/>
    /// ("namespace/name" → labels) gives selector-less Services the selector of the pods a test points their
    /// endpoints at in Go (Skein's Service endpoints are the Workloads a selector picks; EndpointSlices are not loaded).
    /// </summary>
    public TranslatedManifests Translate(IEnumerable<string> yamlTexts, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? serviceSelectors = null)
    {
        var output = new StringBuilder();
        var resources = new List<ResourceRef>();
        var pods = new List<EchoPod>();
        var dropped = new List<string>();
        var documents = new List<ManifestDocument>();
        foreach (var doc in yamlTexts.SelectMany(text => ManifestDocuments.Split(Fill(text))))
        {
            // Like `kubectl apply` of several files, a later definition of the same object replaces the earlier one.
            var same = doc.Kind is null || doc.Name is null ? -1 : documents.FindIndex(d => d.Kind == doc.Kind && d.Name == doc.Name && d.Namespace == doc.Namespace);
            if (same >= 0)
            {
                documents[same] = doc;
            }
            else
            {
                documents.Add(doc);
            }
        }

        foreach (var doc in documents)
        {
            var id = $"{doc.Kind}/{(doc.Namespace is null ? "" : doc.Namespace + "/")}{doc.Name}";
            if (doc.Kind == "Deployment" && doc.Root is not null)
            {
                var (workloads, replicas, reason) = Deployment(doc.Root, doc.Name ?? "", doc.Namespace ?? "default");
                if (reason is not null)
                {
                    dropped.Add($"{id}: {reason}");
                    continue;
                }

                output.Append("---\n").Append(workloads);
                pods.AddRange(replicas);
                resources.AddRange(replicas.Select(p => new ResourceRef("Workload", p.Namespace, p.Name)));
                continue;
            }

            if (doc.Kind is null || ResourceKinds.Find(doc.Kind) is not { } info)
            {
                dropped.Add($"{id}: kind {doc.Kind ?? "(none)"} is not loaded in embedded mode");
                continue;
            }

            var text = doc.Kind == "Namespace" && doc.Root is not null && doc.Name is not null && NamespaceLabels.TryGetValue(doc.Name, out var extra)
                ? NamespaceYaml(doc.Name, ManifestDocuments.StringMap(doc.Root, "metadata", "labels").Concat(extra).DistinctBy(kv => kv.Key).ToDictionary())
                : doc.Kind == "Service" && doc.Root is not null && serviceSelectors?.GetValueOrDefault($"{doc.Namespace ?? "default"}/{doc.Name}") is { } selector
                    ? WithSelector(doc.Root, selector)
                    : doc.Kind == "Gateway" && doc.Root is not null && StaticAddresses is { } addresses && StaticAddresses.Mentions(doc.Text)
                        ? Rewritten(doc.Root, gateway =>
                        {
                            addresses.Substitute(gateway);
                            return gateway;
                        })
                        : doc.Text;
            output.Append("---\n").Append(text);
            if (doc.Name is not null)
            {
                resources.Add(new ResourceRef(doc.Kind, info.IsNamespaced ? doc.Namespace ?? "default" : null, doc.Name));
            }
        }

        return new TranslatedManifests(output.ToString(), resources, pods, dropped);
    }

    /// <summary>
    /// <paramref name="manifests"/> with a test step's merge patches applied to the translated objects they name
    /// ("Kind/namespace/name", namespace "default" when a document omits it; "Kind/name" for a cluster-scoped kind), placeholders substituted again; the
    /// other documents stay as they were. Throws <see cref="FormatException"/> naming a patch that matches no object.
    /// </summary>
    public TranslatedManifests Patch(TranslatedManifests manifests, IReadOnlyDictionary<string, JsonObject> patches)
    {
        var output = new StringBuilder();
        var unmatched = new HashSet<string>(patches.Keys, StringComparer.Ordinal);
        foreach (var doc in ManifestDocuments.Split(manifests.Yaml))
        {
            var key = doc.Kind is null || doc.Name is null ? "" : ResourceRef.Of(doc.Kind, doc.Namespace, doc.Name).ToString();
            var text = doc.Text;
            if (doc.Root is not null && patches.TryGetValue(key, out var patch))
            {
                unmatched.Remove(key);
                text = Rewritten(doc.Root, json =>
                {
                    var patched = MergePatch.Apply(json, patch) as JsonObject ?? [];
                    if (doc.Kind == "Gateway")
                    {
                        StaticAddresses?.Substitute(patched);
                    }

                    return patched;
                });
            }

            output.Append("---\n").Append(text);
        }

        return unmatched.Count == 0
            ? manifests with { Yaml = output.ToString() }
            : throw new FormatException($"patch of {string.Join(", ", unmatched.Order(StringComparer.Ordinal))}: no such object in the test's translated manifests");
    }

    // The document as JSON, changed by `change`, written back as YAML (only documents that change are re-written).
    private static string Rewritten(YamlMappingNode root, Func<JsonObject, JsonObject> change) =>
        YamlJson.ToYamlText(change(YamlJson.ToJson(root) as JsonObject ?? []));

    /// <summary>Fills upstream's templated values ({GATEWAY_CLASS_NAME}, {GATEWAY_CONTROLLER_NAME}).</summary>
    public string Fill(string text) => text
        .Replace("{GATEWAY_CLASS_NAME}", gatewayClassName, StringComparison.Ordinal)
        .Replace("{GATEWAY_CONTROLLER_NAME}", ControllerName, StringComparison.Ordinal);

    private (string Yaml, List<EchoPod> Pods, string? Reason) Deployment(YamlMappingNode root, string name, string ns)
    {
        var containers = ManifestDocuments.Sequence(root, "spec", "template", "spec", "containers").OfType<YamlMappingNode>().ToList();
        if (!containers.Any(c => (ManifestDocuments.Scalar(c, "image") ?? "").Contains("/echo-", StringComparison.Ordinal)))
        {
            return ("", [], $"image {ManifestDocuments.Scalar(containers.FirstOrDefault() ?? new YamlMappingNode(), "image")} is not an echo server");
        }

        var env = containers.SelectMany(c => ManifestDocuments.Sequence(c, "env").OfType<YamlMappingNode>())
            .Select(e => (Name: ManifestDocuments.Scalar(e, "name") ?? "", Value: ManifestDocuments.Scalar(e, "value")))
            .ToList();
        // upstream's echo image becomes a gRPC or TCP server with these variables set.
        var mode = env.Any(e => e.Name == "GRPC_ECHO_SERVER") ? EchoMode.Grpc : env.Any(e => e.Name == "TCP_ECHO_SERVER") ? EchoMode.Tcp : EchoMode.Http;
        var tlsPort = int.TryParse(env.FirstOrDefault(e => e.Name == "TLS_PORT").Value, out var tp) ? tp : 8443;
        var podSpec = ManifestDocuments.Mapping(root, "spec", "template", "spec");
        EchoTlsFiles? tlsFiles = null;
        if (mode == EchoMode.Http && env.FirstOrDefault(e => e.Name == "TLS_SERVER_CERT").Value is { } certPath)
        {
            // upstream's echo-basic serves HTTPS on 8443 (and HTTP on 3000) with the files these variables name.
            var mounts = containers.SelectMany(c => ManifestDocuments.Sequence(c, "volumeMounts").OfType<YamlMappingNode>()).ToList();
            MountedKey? File(string? path) => path is null ? null : MountedFile(podSpec, mounts, path, ns);
            if (File(certPath) is not { } cert || File(env.FirstOrDefault(e => e.Name == "TLS_SERVER_PRIVKEY").Value) is not { } key)
            {
                return ("", [], $"TLS_SERVER_CERT/TLS_SERVER_PRIVKEY do not name files of a mounted Secret or ConfigMap");
            }

            tlsFiles = new EchoTlsFiles(cert, key, File(env.FirstOrDefault(e => e.Name == "TLS_CLIENT_CACERTS").Value));
        }

        var labels = ManifestDocuments.StringMap(root, "spec", "template", "metadata", "labels");
        var serviceAccount = ManifestDocuments.Scalar(root, "spec", "template", "spec", "serviceAccountName")
            ?? ManifestDocuments.Scalar(root, "spec", "template", "spec", "serviceAccount")
            ?? "default";
        var replicas = int.TryParse(ManifestDocuments.Scalar(root, "spec", "replicas"), out var r) ? r : 1;
        var ports = containers.SelectMany(c => ManifestDocuments.Sequence(c, "ports").OfType<YamlMappingNode>())
            .Select(p => int.TryParse(ManifestDocuments.Scalar(p, "containerPort"), out var port) ? port : 0)
            .Where(p => p > 0)
            .Concat(servicePorts.For(ns, labels))
            .Distinct()
            .Order()
            .ToList();
        if (ports.Count == 0 || tlsFiles is not null && !ports.Contains(3000))
        {
            // upstream's echo-basic listens on 3000 when nothing says otherwise (and always, next to its HTTPS port).
            ports.Add(3000);
        }

        var yaml = new StringBuilder();
        var pods = new List<EchoPod>();
        for (var i = 0; i < replicas; i++)
        {
            // Pod names are "<deployment>-<suffix>": cases compare the echo's pod field by that prefix.
            var pod = new EchoPod($"{name}-{i}", ns, name, nextAddress(), ports)
            {
                Mode = mode,
                TlsPorts = (mode == EchoMode.Tcp || tlsFiles is not null) && ports.Contains(tlsPort) ? [tlsPort] : [],
                TlsFiles = tlsFiles,
            };
            pods.Add(pod);
            yaml.Append(i == 0 ? "" : "---\n").Append(WorkloadYaml(pod, labels, serviceAccount));
        }

        return (yaml.ToString(), pods, null);
    }

    // The Secret or ConfigMap key a container sees at <paramref name="path"/> through its volumeMounts, or null.
    private static MountedKey? MountedFile(YamlMappingNode? podSpec, IReadOnlyList<YamlMappingNode> mounts, string path, string ns)
    {
        foreach (var mount in mounts)
        {
            var at = (ManifestDocuments.Scalar(mount, "mountPath") ?? "").TrimEnd('/');
            if (at.Length == 0 || !path.StartsWith(at + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var file = path[(at.Length + 1)..];
            var volume = ManifestDocuments.Sequence(podSpec ?? new YamlMappingNode(), "volumes").OfType<YamlMappingNode>()
                .FirstOrDefault(v => ManifestDocuments.Scalar(v, "name") == ManifestDocuments.Scalar(mount, "name"));
            if (volume is null)
            {
                continue;
            }

            foreach (var (kind, source, nameField) in new[] { ("Secret", "secret", "secretName"), ("ConfigMap", "configMap", "name") })
            {
                if (ManifestDocuments.Scalar(volume, source, nameField) is not { } name)
                {
                    continue;
                }

                var items = ManifestDocuments.Sequence(volume, source, "items").OfType<YamlMappingNode>().ToList();
                // Without items every key is a file of its own name.
                var key = items.Count == 0 ? file : items.Where(i => ManifestDocuments.Scalar(i, "path") == file).Select(i => ManifestDocuments.Scalar(i, "key")).FirstOrDefault();
                return key is null ? null : new MountedKey(kind, ns, name, key);
            }
        }

        return null;
    }

    private static string WithSelector(YamlMappingNode service, IReadOnlyDictionary<string, string> selector)
    {
        if (!service.Children.TryGetValue(new YamlScalarNode("spec"), out var specNode) || specNode is not YamlMappingNode spec)
        {
            spec = new YamlMappingNode();
            service.Children[new YamlScalarNode("spec")] = spec;
        }

        spec.Children[new YamlScalarNode("selector")] = new YamlMappingNode(selector.Select(kv =>
            new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(kv.Key), new YamlScalarNode(kv.Value))));
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(service)).Save(writer, assignAnchors: false);
        // YamlStream ends a document with "..."; the config dir's multi-document files only use "---".
        return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal).TrimEnd('.', '\n') + "\n";
    }

    private static string NamespaceYaml(string name, IReadOnlyDictionary<string, string> labels)
    {
        var yaml = new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata:\n").Append("  name: ").Append(JsonSerializer.Serialize(name)).Append("\n  labels:\n");
        foreach (var (k, v) in labels)
        {
            yaml.Append("    ").Append(JsonSerializer.Serialize(k)).Append(": ").Append(JsonSerializer.Serialize(v)).Append('\n');
        }

        return yaml.ToString();
    }

    private string WorkloadYaml(EchoPod pod, IReadOnlyDictionary<string, string> labels, string serviceAccount)
    {
        // Double-quoted YAML scalars are JSON strings, so JsonSerializer quotes values safely.
        static string Q(string s) => JsonSerializer.Serialize(s);
        var yaml = new StringBuilder()
            .Append("apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata:\n")
            .Append("  name: ").Append(Q(pod.Name)).Append('\n')
            .Append("  namespace: ").Append(Q(pod.Namespace)).Append('\n');
        if (labels.Count > 0)
        {
            yaml.Append("  labels:\n");
            foreach (var (k, v) in labels)
            {
                yaml.Append("    ").Append(Q(k)).Append(": ").Append(Q(v)).Append('\n');
            }
        }

        return yaml.Append("spec:\n")
            .Append("  addresses: [").Append(Q(pod.Address.ToString())).Append("]\n")
            .Append("  serviceAccount: ").Append(Q(serviceAccount)).Append('\n')
            .Append("  node: ").Append(Q(backendNode)).Append('\n')
            .ToString();
    }
}
