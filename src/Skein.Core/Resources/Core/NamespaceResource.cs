using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A Kubernetes Namespace (cluster-scoped); its labels drive namespace selectors and waypoint opt-in.</summary>
public sealed class NamespaceResource : Resource<NamespaceSpec, JsonObject>
{
    /// <summary>Creates an empty Namespace.</summary>
    public NamespaceResource()
        : base(ApiVersions.CoreV1, "Namespace")
    {
    }

    /// <inheritdoc />
    [JsonIgnore]
    public override bool IsNamespaced => false;
}

/// <summary>Namespace spec; only finalizers exist upstream.</summary>
public sealed class NamespaceSpec
{
    /// <summary>Finalizers, kept for kubectl round trips; Skein does not act on them.</summary>
    public List<string> Finalizers { get; set; } = [];
}
