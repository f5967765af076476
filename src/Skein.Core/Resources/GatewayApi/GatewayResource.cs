namespace Skein.Core.Resources;

/// <summary>A Gateway API Gateway: listeners bound to addresses, implemented by its GatewayClass's controller.</summary>
public sealed class GatewayResource : Resource<GatewaySpec, GatewayStatus>
{
    /// <summary>Creates an empty Gateway.</summary>
    public GatewayResource()
        : base(ApiVersions.GatewayV1, "Gateway")
    {
    }
}

/// <summary>Gateway desired state.</summary>
public sealed class GatewaySpec
{
    /// <summary>The GatewayClass name (skein for ingress, skein-waypoint for waypoints).</summary>
    [Required]
    [MaxLength(253)]
    public string GatewayClassName { get; set; } = "";

    /// <summary>Listeners; each distinct by port, protocol and hostname.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(64)]
    public List<Listener> Listeners { get; set; } = [];

    /// <summary>Requested addresses.</summary>
    [MaxItems(16)]
    public List<GatewaySpecAddress> Addresses { get; set; } = [];

    /// <summary>Labels, annotations and parameters for resources created for the Gateway.</summary>
    public GatewayInfrastructure? Infrastructure { get; set; }

    /// <summary>Which ListenerSets may attach; none when absent.</summary>
    public AllowedListeners? AllowedListeners { get; set; }

    /// <summary>Gateway-wide frontend (client certificate) and backend (client identity) TLS.</summary>
    public GatewayTLSConfig? Tls { get; set; }

    /// <summary>Makes this a default Gateway for routes asking for one (experimental).</summary>
    public GatewayDefaultScope? DefaultScope { get; set; }
}

/// <summary>An address requested for a Gateway.</summary>
public sealed class GatewaySpecAddress
{
    /// <summary>IPAddress (default), Hostname, NamedAddress, or a domain-prefixed type.</summary>
    [Format(FieldFormat.AddressType)]
    public string? Type { get; set; }

    /// <summary>The address; empty asks the implementation to assign one.</summary>
    [MaxLength(253)]
    public string? Value { get; set; }
}

/// <summary>Infrastructure attributes for a Gateway.</summary>
public sealed class GatewayInfrastructure
{
    /// <summary>Labels for generated resources.</summary>
    [MaxItems(8)]
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Annotations for generated resources.</summary>
    [MaxItems(8)]
    public Dictionary<string, string> Annotations { get; set; } = [];

    /// <summary>Per-Gateway controller parameters.</summary>
    public LocalParametersReference? ParametersRef { get; set; }
}

/// <summary>Which ListenerSets may attach to a Gateway.</summary>
public sealed class AllowedListeners
{
    /// <summary>Namespaces ListenerSets may come from.</summary>
    public ListenerNamespaces? Namespaces { get; set; }
}

/// <summary>Namespaces ListenerSets may attach from.</summary>
public sealed class ListenerNamespaces
{
    /// <summary>All, Selector, Same or None (the default).</summary>
    public FromNamespaces From { get; set; } = FromNamespaces.None;

    /// <summary>Namespace selector when from is Selector.</summary>
    public LabelSelector? Selector { get; set; }
}

/// <summary>Where attaching objects may come from.</summary>
public enum FromNamespaces
{
    /// <summary>Any namespace.</summary>
    All,

    /// <summary>Namespaces whose labels match the selector.</summary>
    Selector,

    /// <summary>The Gateway's own namespace.</summary>
    Same,

    /// <summary>No namespace.</summary>
    None,
}

/// <summary>Scopes of default Gateways.</summary>
public enum GatewayDefaultScope
{
    /// <summary>Any route asking for a default Gateway.</summary>
    All,

    /// <summary>No route.</summary>
    None,
}
