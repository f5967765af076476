namespace Skein.Core.Resources;

/// <summary>A Gateway API GRPCRoute: gRPC service/method matching and weighted backends.</summary>
public sealed class GRPCRouteResource : Resource<GRPCRouteSpec, RouteStatus>
{
    /// <summary>Creates an empty GRPCRoute.</summary>
    public GRPCRouteResource()
        : base(ApiVersions.GatewayV1, "GRPCRoute")
    {
    }
}

/// <summary>GRPCRoute desired state.</summary>
public sealed class GRPCRouteSpec
{
    /// <summary>Gateways, listeners or Services the route attaches to.</summary>
    [MaxItems(32)]
    public List<ParentReference> ParentRefs { get; set; } = [];

    /// <summary>Attach to default Gateways of this scope (experimental).</summary>
    public GatewayDefaultScope? UseDefaultGateways { get; set; }

    /// <summary>Host (authority) values the route serves.</summary>
    [MaxItems(16)]
    [Format(FieldFormat.Hostname)]
    public List<string> Hostnames { get; set; } = [];

    /// <summary>Rules.</summary>
    [MaxItems(16)]
    public List<GRPCRouteRule> Rules { get; set; } = [];
}

/// <summary>Matches, filters and backends of one GRPCRoute rule.</summary>
public sealed class GRPCRouteRule
{
    /// <summary>Rule name, unique in the route.</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? Name { get; set; }

    /// <summary>Conditions; any may hold (every request when empty).</summary>
    [MaxItems(64)]
    public List<GRPCRouteMatch> Matches { get; set; } = [];

    /// <summary>Processing applied to matching requests.</summary>
    [MaxItems(16)]
    public List<GRPCRouteFilter> Filters { get; set; } = [];

    /// <summary>Weighted destinations.</summary>
    [MaxItems(16)]
    public List<GRPCBackendRef> BackendRefs { get; set; } = [];

    /// <summary>Session affinity (experimental).</summary>
    public SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>gRPC request predicates; all must hold.</summary>
public sealed class GRPCRouteMatch
{
    /// <summary>Service and method predicate.</summary>
    public GRPCMethodMatch? Method { get; set; }

    /// <summary>Metadata (header) predicates.</summary>
    [MaxItems(16)]
    public List<GRPCHeaderMatch> Headers { get; set; } = [];
}

/// <summary>A gRPC service and/or method predicate.</summary>
public sealed class GRPCMethodMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    public GRPCMethodMatchType Type { get; set; } = GRPCMethodMatchType.Exact;

    /// <summary>Fully qualified service, e.g. "foo.bar.Baz".</summary>
    [MaxLength(1024)]
    public string? Service { get; set; }

    /// <summary>Method name.</summary>
    [MaxLength(1024)]
    public string? Method { get; set; }
}

/// <summary>gRPC method match semantics.</summary>
public enum GRPCMethodMatchType
{
    /// <summary>Exact service and method names.</summary>
    Exact,

    /// <summary>Regular expressions over service and method.</summary>
    RegularExpression,
}

/// <summary>A gRPC metadata predicate.</summary>
public sealed class GRPCHeaderMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    public HeaderMatchType Type { get; set; } = HeaderMatchType.Exact;

    /// <summary>Metadata key.</summary>
    [Required]
    [MaxLength(256)]
    [Format(FieldFormat.HeaderName)]
    public string Name { get; set; } = "";

    /// <summary>Value or pattern.</summary>
    [Required]
    [MaxLength(4096)]
    public string Value { get; set; } = "";
}

/// <summary>A processing step of a GRPCRoute rule or backend.</summary>
public sealed class GRPCRouteFilter
{
    /// <summary>Which filter this is.</summary>
    [Required]
    public GRPCRouteFilterType Type { get; set; }

    /// <summary>Settings for RequestHeaderModifier.</summary>
    public HTTPHeaderFilter? RequestHeaderModifier { get; set; }

    /// <summary>Settings for ResponseHeaderModifier.</summary>
    public HTTPHeaderFilter? ResponseHeaderModifier { get; set; }

    /// <summary>Settings for RequestMirror.</summary>
    public HTTPRequestMirrorFilter? RequestMirror { get; set; }

    /// <summary>Settings for ExtensionRef.</summary>
    public LocalObjectReference? ExtensionRef { get; set; }
}

/// <summary>GRPCRoute filter types.</summary>
public enum GRPCRouteFilterType
{
    /// <summary>Set, add or remove request metadata.</summary>
    RequestHeaderModifier,

    /// <summary>Set, add or remove response metadata.</summary>
    ResponseHeaderModifier,

    /// <summary>Copy requests to another backend.</summary>
    RequestMirror,

    /// <summary>An implementation-specific filter.</summary>
    ExtensionRef,
}

/// <summary>A weighted gRPC backend with its own filters.</summary>
public sealed class GRPCBackendRef : BackendRef
{
    /// <summary>Filters applied only when this backend is chosen.</summary>
    [MaxItems(16)]
    public List<GRPCRouteFilter> Filters { get; set; } = [];
}
