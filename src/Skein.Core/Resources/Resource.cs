using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A Kubernetes-style configuration object: apiVersion, kind, metadata and a kind-specific body.</summary>
public abstract class Resource
{
    /// <summary>Creates a resource of a fixed kind with its preferred apiVersion.</summary>
    protected Resource(string apiVersion, string kind)
    {
        ApiVersion = apiVersion;
        Kind = kind;
    }

    /// <summary>Group and version, e.g. <c>skein.dev/v1alpha1</c>.</summary>
    [JsonPropertyOrder(-100)]
    public string ApiVersion { get; set; }

    /// <summary>The kind name, fixed by the runtime type.</summary>
    [JsonPropertyOrder(-99)]
    public string Kind { get; }

    /// <summary>Name, namespace, labels and annotations.</summary>
    [JsonPropertyOrder(-98)]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Where the resource was read from, when it came from a file.</summary>
    [JsonIgnore]
    public SourceLocation? Source { get; set; }

    /// <summary>Whether the kind lives in a namespace (false for cluster-scoped kinds).</summary>
    [JsonIgnore]
    public virtual bool IsNamespaced => true;

    /// <summary>The identity used for duplicate detection and store lookups.</summary>
    [JsonIgnore]
    public ResourceKey Key => new(
        Kind,
        IsNamespaced ? Metadata.Namespace ?? ObjectMeta.DefaultNamespace : "",
        Metadata.Name);

    /// <inheritdoc />
    public override string ToString() => Key.ToString();
}
