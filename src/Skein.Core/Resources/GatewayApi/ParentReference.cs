namespace Skein.Core.Resources;

/// <summary>A route's parent: a Gateway (or listener), or a Service for mesh (GAMMA) routing.</summary>
public sealed class ParentReference
{
    /// <summary>Group of the parent; "" for a Service.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = ApiVersions.GatewayGroup;

    /// <summary>Kind of the parent.</summary>
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "Gateway";

    /// <summary>Namespace of the parent; the route's namespace when absent.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }

    /// <summary>Name of the parent.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Listener name (Gateway) or port name (Service).</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? SectionName { get; set; }

    /// <summary>Listener port (Gateway) or service port (Service).</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }
}
