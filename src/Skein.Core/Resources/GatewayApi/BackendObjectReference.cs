namespace Skein.Core.Resources;

/// <summary>A reference to a backend, by default a Service port.</summary>
public class BackendObjectReference
{
    /// <summary>Group of the backend; "" is the core group.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = "";

    /// <summary>Kind of the backend.</summary>
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "Service";

    /// <summary>Name of the backend.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace of the backend; the route's namespace when absent (a ReferenceGrant is needed otherwise).</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }

    /// <summary>The service port; required for Services.</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }
}

/// <summary>A weighted backend reference.</summary>
public class BackendRef : BackendObjectReference
{
    /// <summary>Relative share of traffic; 0 sends none.</summary>
    [Range(0, 1000000)]
    public int Weight { get; set; } = 1;
}
