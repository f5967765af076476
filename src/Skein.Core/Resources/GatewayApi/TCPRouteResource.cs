namespace Skein.Core.Resources;

/// <summary>A Gateway API TCPRoute: forwards TCP connections from a listener to weighted backends.</summary>
public sealed class TCPRouteResource : Resource<TCPRouteSpec, RouteStatus>
{
    /// <summary>Creates an empty TCPRoute.</summary>
    public TCPRouteResource()
        : base(ApiVersions.GatewayV1Alpha2, "TCPRoute")
    {
    }
}

/// <summary>TCPRoute desired state.</summary>
public sealed class TCPRouteSpec
{
    /// <summary>Gateways or listeners the route attaches to.</summary>
    [MaxItems(32)]
    public List<ParentReference> ParentRefs { get; set; } = [];

    /// <summary>Attach to default Gateways of this scope (experimental).</summary>
    public GatewayDefaultScope? UseDefaultGateways { get; set; }

    /// <summary>Rules (one upstream allows up to 16).</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<L4RouteRule> Rules { get; set; } = [];
}

/// <summary>A TCP or TLS route rule: weighted backends.</summary>
public sealed class L4RouteRule
{
    /// <summary>Rule name, unique in the route.</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? Name { get; set; }

    /// <summary>Weighted destinations.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<BackendRef> BackendRefs { get; set; } = [];
}
