namespace Skein.Core.Resources;

/// <summary>A Gateway API HTTPRoute: HTTP matching, filters and weighted backends; a Service parent means mesh routing.</summary>
public sealed class HTTPRouteResource : Resource<HTTPRouteSpec, RouteStatus>
{
    /// <summary>Creates an empty HTTPRoute.</summary>
    public HTTPRouteResource()
        : base(ApiVersions.GatewayV1, "HTTPRoute")
    {
    }
}

/// <summary>HTTPRoute desired state.</summary>
public sealed class HTTPRouteSpec
{
    /// <summary>Gateways, listeners or Services the route attaches to.</summary>
    [MaxItems(32)]
    public List<ParentReference> ParentRefs { get; set; } = [];

    /// <summary>Attach to default Gateways of this scope (experimental).</summary>
    public GatewayDefaultScope? UseDefaultGateways { get; set; }

    /// <summary>Host header values the route serves; all hostnames of the listener when empty.</summary>
    [MaxItems(16)]
    [Format(FieldFormat.Hostname)]
    public List<string> Hostnames { get; set; } = [];

    /// <summary>Rules; an absent list behaves like one rule matching every request.</summary>
    [MaxItems(16)]
    public List<HTTPRouteRule> Rules { get; set; } = [];
}

/// <summary>Matches, filters and backends of one HTTPRoute rule.</summary>
public sealed class HTTPRouteRule
{
    /// <summary>Rule name, unique in the route.</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? Name { get; set; }

    /// <summary>Conditions; the rule applies when any match holds (a "/" prefix match when empty).</summary>
    [MaxItems(64)]
    public List<HTTPRouteMatch> Matches { get; set; } = [];

    /// <summary>Processing applied to matching requests, in order.</summary>
    [MaxItems(16)]
    public List<HTTPRouteFilter> Filters { get; set; } = [];

    /// <summary>Weighted destinations.</summary>
    [MaxItems(16)]
    public List<HTTPBackendRef> BackendRefs { get; set; } = [];

    /// <summary>Request and per-backend timeouts.</summary>
    public HTTPRouteTimeouts? Timeouts { get; set; }

    /// <summary>Retry policy (experimental).</summary>
    public HTTPRouteRetry? Retry { get; set; }

    /// <summary>Session affinity (experimental).</summary>
    public SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>A weighted backend with its own filters.</summary>
public sealed class HTTPBackendRef : BackendRef
{
    /// <summary>Filters applied only when this backend is chosen.</summary>
    [MaxItems(16)]
    public List<HTTPRouteFilter> Filters { get; set; } = [];
}

/// <summary>HTTPRoute timeouts (GEP-2257 durations; "0s" disables).</summary>
public sealed class HTTPRouteTimeouts
{
    /// <summary>The whole request, including retries.</summary>
    [Format(FieldFormat.GatewayDuration)]
    public string? Request { get; set; }

    /// <summary>Each request from the gateway to a backend.</summary>
    [Format(FieldFormat.GatewayDuration)]
    public string? BackendRequest { get; set; }
}

/// <summary>HTTPRoute retry policy.</summary>
public sealed class HTTPRouteRetry
{
    /// <summary>Response codes (400..599) that are retried.</summary>
    [Range(400, 599)]
    public List<int> Codes { get; set; } = [];

    /// <summary>Maximum retries.</summary>
    [Range(0, int.MaxValue)]
    public int? Attempts { get; set; }

    /// <summary>Minimum wait between attempts.</summary>
    [Format(FieldFormat.GatewayDuration)]
    public string? Backoff { get; set; }
}

/// <summary>Session persistence (sticky sessions) configuration.</summary>
public sealed class SessionPersistence
{
    /// <summary>Cookie or header name.</summary>
    [MaxLength(128)]
    public string? SessionName { get; set; }

    /// <summary>Absolute session lifetime.</summary>
    [Format(FieldFormat.GatewayDuration)]
    public string? AbsoluteTimeout { get; set; }

    /// <summary>Idle session lifetime.</summary>
    [Format(FieldFormat.GatewayDuration)]
    public string? IdleTimeout { get; set; }

    /// <summary>Cookie (default) or Header.</summary>
    public SessionPersistenceType Type { get; set; } = SessionPersistenceType.Cookie;

    /// <summary>Cookie settings, for type Cookie.</summary>
    public CookieConfig? CookieConfig { get; set; }
}

/// <summary>How a session is tracked.</summary>
public enum SessionPersistenceType
{
    /// <summary>By a cookie.</summary>
    Cookie,

    /// <summary>By a header.</summary>
    Header,
}

/// <summary>Cookie-based session persistence settings.</summary>
public sealed class CookieConfig
{
    /// <summary>Session (default) or Permanent.</summary>
    public CookieLifetimeType LifetimeType { get; set; } = CookieLifetimeType.Session;
}

/// <summary>Cookie lifetimes.</summary>
public enum CookieLifetimeType
{
    /// <summary>Deleted when the browser session ends.</summary>
    Session,

    /// <summary>Kept until absoluteTimeout.</summary>
    Permanent,
}
