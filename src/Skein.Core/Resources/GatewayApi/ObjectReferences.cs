namespace Skein.Core.Resources;

/// <summary>A reference to a Secret (or another certificate kind), optionally in another namespace.</summary>
public sealed class SecretObjectReference
{
    /// <summary>Group of the referent; "" is the core group.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent.</summary>
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "Secret";

    /// <summary>Name of the referent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace of the referent; the referrer's namespace when absent.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }
}

/// <summary>A reference to an object in the referrer's namespace.</summary>
public sealed class LocalObjectReference
{
    /// <summary>Group of the referent; "" is the core group.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the referent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";
}

/// <summary>A reference to an object, optionally in another namespace.</summary>
public sealed class ObjectReference
{
    /// <summary>Group of the referent; "" is the core group.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the referent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace of the referent; the referrer's namespace when absent.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }
}

/// <summary>A policy target in the policy's namespace, optionally narrowed to a section.</summary>
public sealed class LocalPolicyTargetReferenceWithSectionName
{
    /// <summary>Group of the target; "" is the core group.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the target.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the target.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Section (port name of a Service, listener of a Gateway).</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? SectionName { get; set; }
}

/// <summary>A GatewayClass's reference to controller-specific parameters.</summary>
public sealed class ParametersReference
{
    /// <summary>Group of the referent.</summary>
    [Required]
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the referent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace, for namespaced referents.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }
}

/// <summary>A Gateway's reference to parameters in its own namespace.</summary>
public sealed class LocalParametersReference
{
    /// <summary>Group of the referent.</summary>
    [Required]
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the referent.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the referent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";
}
