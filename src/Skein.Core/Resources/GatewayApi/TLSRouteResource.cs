namespace Skein.Core.Resources;

/// <summary>A Gateway API TLSRoute: routes TLS connections by SNI (passthrough or terminated).</summary>
public sealed class TLSRouteResource : Resource<TLSRouteSpec, RouteStatus>
{
    /// <summary>Creates an empty TLSRoute.</summary>
    public TLSRouteResource()
        : base(ApiVersions.GatewayV1Alpha2, "TLSRoute")
    {
    }
}

/// <summary>TLSRoute desired state.</summary>
public sealed class TLSRouteSpec
{
    /// <summary>Gateways or listeners the route attaches to.</summary>
    [MaxItems(32)]
    public List<ParentReference> ParentRefs { get; set; } = [];

    /// <summary>Attach to default Gateways of this scope (experimental).</summary>
    public GatewayDefaultScope? UseDefaultGateways { get; set; }

    /// <summary>SNI hostnames the route serves.</summary>
    [MaxItems(16)]
    [Format(FieldFormat.Hostname)]
    public List<string> Hostnames { get; set; } = [];

    /// <summary>Rules.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<L4RouteRule> Rules { get; set; } = [];
}
