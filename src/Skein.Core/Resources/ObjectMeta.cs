using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Kubernetes object metadata: identity, labels and annotations.</summary>
[IgnoredFields("managedFields", "selfLink", "ownerReferences", "finalizers", "generateName", "deletionTimestamp", "deletionGracePeriodSeconds")]
public sealed class ObjectMeta
{
    /// <summary>The namespace a namespaced resource lands in when none is given.</summary>
    public const string DefaultNamespace = "default";

    private Dictionary<string, string> _labels = new(StringComparer.Ordinal);
    private Dictionary<string, string> _annotations = new(StringComparer.Ordinal);

    /// <summary>Object name, unique per kind and namespace.</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Namespace; the loader fills in "default" for namespaced kinds.</summary>
    public string? Namespace { get; set; }

    /// <summary>Identifying labels used by selectors.</summary>
    public Dictionary<string, string> Labels
    {
        get => _labels;
        set => _labels = value ?? new(StringComparer.Ordinal);
    }

    /// <summary>Non-identifying metadata.</summary>
    public Dictionary<string, string> Annotations
    {
        get => _annotations;
        set => _annotations = value ?? new(StringComparer.Ordinal);
    }

    /// <summary>Bumped by the store on every spec change; 0 when never stored.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Generation { get; set; }

    /// <summary>Opaque store version, set by the store (or carried over from kubectl output).</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Unique id assigned by the store.</summary>
    public string? Uid { get; set; }

    /// <summary>When the store first saw the object.</summary>
    public DateTimeOffset? CreationTimestamp { get; set; }
}
