namespace Skein.Core.Resources;

/// <summary>A Gateway API ReferenceGrant: lets objects in other namespaces reference objects in this one.</summary>
public sealed class ReferenceGrantResource : Resource<ReferenceGrantSpec>
{
    /// <summary>Creates an empty ReferenceGrant.</summary>
    public ReferenceGrantResource()
        : base(ApiVersions.GatewayV1Beta1, "ReferenceGrant")
    {
    }
}

/// <summary>Who may reference what.</summary>
public sealed class ReferenceGrantSpec
{
    /// <summary>Referrers (group, kind, namespace) that are trusted.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<ReferenceGrantFrom> From { get; set; } = [];

    /// <summary>Referents in this namespace that may be referenced.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<ReferenceGrantTo> To { get; set; } = [];
}

/// <summary>A trusted referrer.</summary>
public sealed class ReferenceGrantFrom
{
    /// <summary>Group of the referrer ("" for core).</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referrer, e.g. HTTPRoute or Gateway.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Namespace of the referrer.</summary>
    [Required]
    [Format(FieldFormat.DnsLabel)]
    public string Namespace { get; set; } = "";
}

/// <summary>A referent that may be referenced.</summary>
public sealed class ReferenceGrantTo
{
    /// <summary>Group of the referent ("" for core).</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent, e.g. Service or Secret.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the referent; all of the kind when absent.</summary>
    [MaxLength(253)]
    public string? Name { get; set; }
}
