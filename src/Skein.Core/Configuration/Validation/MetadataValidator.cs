using System.Text;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Name, namespace, label and annotation rules shared by all kinds; also defaults the namespace.</summary>
internal static class MetadataValidator
{
    private const int MaxAnnotationBytes = 256 * 1024;

    public static void Validate(Resource resource, DocumentContext context)
    {
        var meta = resource.Metadata;
        ValidateName(resource, context);

        if (resource.IsNamespaced)
        {
            meta.Namespace ??= ObjectMeta.DefaultNamespace;
            if (!NameRules.IsDnsLabel(meta.Namespace))
            {
                context.Error("metadata.namespace", $"{YamlScalars.Quote(meta.Namespace)} is not a valid namespace: use {NameRules.DnsLabelRule}");
            }
        }
        else if (meta.Namespace is not null)
        {
            // kubectl silently drops it; here it is almost always a mistake worth pointing out.
            context.Error("metadata.namespace", $"must not be set: {resource.Kind} is cluster-scoped");
        }

        LabelRules.ValidateLabels(meta.Labels, "metadata.labels", context);
        if (meta.Labels.TryGetValue(DataplaneMode.Label, out var mode) && !DataplaneMode.IsValid(mode))
        {
            context.Error(FieldPath.Key("metadata.labels", DataplaneMode.Label),
                $"{YamlScalars.Quote(mode)} is not a dataplane mode: use {DataplaneMode.None} (outside the mesh) or {DataplaneMode.Hbone} (in the mesh, the default)");
        }

        if (meta.Labels.TryGetValue(NetworkGatewayLabel.Label, out var gateway) && !NetworkGatewayLabel.IsValid(gateway))
        {
            context.Error(FieldPath.Key("metadata.labels", NetworkGatewayLabel.Label),
                $"{YamlScalars.Quote(gateway)} is not a boolean: use \"true\" (this workload relays federated peers' tunnels) or \"false\"");
        }

        ValidateAnnotations(meta.Annotations, context);
    }

    private static void ValidateName(Resource resource, DocumentContext context)
    {
        var name = resource.Metadata.Name;
        if (name.Length == 0)
        {
            return; // Reported by the binder as missing or empty.
        }

        // Namespace and Service names become DNS labels (namespaces, service hostnames); others are subdomains.
        if (resource is NamespaceResource or ServiceResource)
        {
            if (!NameRules.IsDnsLabel(name))
            {
                context.Error("metadata.name", $"{YamlScalars.Quote(name)} is not a valid {resource.Kind} name: use {NameRules.DnsLabelRule}");
            }
        }
        else if (!NameRules.IsDnsSubdomain(name))
        {
            context.Error("metadata.name", $"{YamlScalars.Quote(name)} is not a valid name: use {NameRules.DnsSubdomainRule}");
        }
    }

    private static void ValidateAnnotations(Dictionary<string, string> annotations, DocumentContext context)
    {
        var total = 0;
        foreach (var (key, value) in annotations)
        {
            var path = FieldPath.Key("metadata.annotations", key);
            if (FormatRules.Check(FieldFormat.QualifiedName, key) is { } problem)
            {
                context.Error(path, problem);
            }

            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        if (total > MaxAnnotationBytes)
        {
            context.Error("metadata.annotations", $"annotations are too large: {total} bytes, at most {MaxAnnotationBytes}");
        }
    }
}
