namespace Skein.Core.Resources;

/// <summary>A policy's target: an object by group, kind and name used by Skein policies.</summary>
public sealed class PolicyTargetReference
{
    /// <summary>API group of the target; "" is the core group (Service).</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the target, e.g. Service or Gateway.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";

    /// <summary>Name of the target.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace of the target; the policy's own namespace when absent.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }
}
