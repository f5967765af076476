namespace Skein.Core.Resources;

/// <summary>A Kubernetes ConfigMap: text data (e.g. CA bundles under ca.crt for BackendTLSPolicy).</summary>
public sealed class ConfigMapResource : Resource
{
    /// <summary>Creates an empty ConfigMap.</summary>
    public ConfigMapResource()
        : base(ApiVersions.CoreV1, "ConfigMap")
    {
    }

    /// <summary>Text values.</summary>
    public Dictionary<string, string> Data { get; set; } = [];

    /// <summary>Binary values, base64-encoded.</summary>
    [Format(FieldFormat.Base64)]
    public Dictionary<string, string> BinaryData { get; set; } = [];

    /// <summary>Whether the ConfigMap may no longer change.</summary>
    public bool? Immutable { get; set; }
}
