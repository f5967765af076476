namespace Skein.Core.Resources;

/// <summary>A Gateway API ListenerSet: listeners added to a parent Gateway from another object (and namespace).</summary>
public sealed class ListenerSetResource : Resource<ListenerSetSpec, ListenerSetStatus>
{
    /// <summary>Creates an empty ListenerSet.</summary>
    public ListenerSetResource()
        : base(ApiVersions.GatewayV1, "ListenerSet")
    {
    }
}

/// <summary>ListenerSet desired state.</summary>
public sealed class ListenerSetSpec
{
    /// <summary>The Gateway the listeners are added to; it must allow them (spec.allowedListeners).</summary>
    [Required]
    public ParentGatewayReference ParentRef { get; set; } = new();

    /// <summary>Listeners merged into the parent Gateway's, after its own; names are unique in the ListenerSet.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(64)]
    public List<Listener> Listeners { get; set; } = [];
}

/// <summary>A reference to the Gateway a ListenerSet attaches to.</summary>
public sealed class ParentGatewayReference
{
    /// <summary>Group of the parent; gateway.networking.k8s.io.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = ApiVersions.GatewayGroup;

    /// <summary>Kind of the parent; Gateway.</summary>
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "Gateway";

    /// <summary>Name of the parent Gateway.</summary>
    [Required]
    [MaxLength(253)]
    public string Name { get; set; } = "";

    /// <summary>Namespace of the parent Gateway; the ListenerSet's namespace when absent.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string? Namespace { get; set; }
}

/// <summary>ListenerSet observed state.</summary>
public sealed class ListenerSetStatus
{
    /// <summary>Accepted, Programmed…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];

    /// <summary>Per-listener status (same shape as a Gateway's).</summary>
    public List<ListenerStatus> Listeners { get; set; } = [];
}
