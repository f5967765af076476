namespace Skein.Core.Resources;

/// <summary>A logical endpoint where a Gateway accepts connections.</summary>
public sealed class Listener
{
    /// <summary>Listener name, unique in the Gateway.</summary>
    [Required]
    [Format(FieldFormat.DnsSubdomain)]
    public string Name { get; set; } = "";

    /// <summary>Hostname (SNI and/or Host) to match; all hostnames when absent.</summary>
    [Format(FieldFormat.Hostname)]
    public string? Hostname { get; set; }

    /// <summary>Port number.</summary>
    [Required]
    [Range(1, 65535)]
    public int Port { get; set; }

    /// <summary>HTTP, HTTPS, TLS, TCP, UDP, or an implementation-specific domain-prefixed protocol.</summary>
    [Required]
    [Format(FieldFormat.ProtocolType)]
    public string Protocol { get; set; } = "";

    /// <summary>TLS settings, for HTTPS and TLS listeners.</summary>
    public ListenerTLSConfig? Tls { get; set; }

    /// <summary>Which routes may attach; routes from the same namespace when absent.</summary>
    public AllowedRoutes? AllowedRoutes { get; set; }
}

/// <summary>TLS settings of a listener.</summary>
public sealed class ListenerTLSConfig
{
    /// <summary>Terminate (default) or Passthrough.</summary>
    public TLSModeType Mode { get; set; } = TLSModeType.Terminate;

    /// <summary>Certificate and key Secrets; required for Terminate unless options supply them.</summary>
    [MaxItems(64)]
    public List<SecretObjectReference> CertificateRefs { get; set; } = [];

    /// <summary>Implementation-specific TLS options.</summary>
    [MaxItems(16)]
    public Dictionary<string, string> Options { get; set; } = [];
}

/// <summary>How a listener treats TLS.</summary>
public enum TLSModeType
{
    /// <summary>TLS ends at the Gateway.</summary>
    Terminate,

    /// <summary>TLS is passed through to the backend, routed by SNI.</summary>
    Passthrough,
}

/// <summary>Which routes may attach to a listener.</summary>
public sealed class AllowedRoutes
{
    /// <summary>Namespaces routes may come from.</summary>
    public RouteNamespaces? Namespaces { get; set; }

    /// <summary>Route kinds allowed; derived from the protocol when empty.</summary>
    [MaxItems(8)]
    public List<RouteGroupKind> Kinds { get; set; } = [];
}

/// <summary>Namespaces routes may attach from.</summary>
public sealed class RouteNamespaces
{
    /// <summary>All, Selector or Same (the default); None is not allowed for routes.</summary>
    public FromNamespaces From { get; set; } = FromNamespaces.Same;

    /// <summary>Namespace selector when from is Selector.</summary>
    public LabelSelector? Selector { get; set; }
}

/// <summary>A route group and kind.</summary>
public sealed class RouteGroupKind
{
    /// <summary>Group of the route kind.</summary>
    [Format(FieldFormat.Group)]
    public string Group { get; set; } = ApiVersions.GatewayGroup;

    /// <summary>Kind of route, e.g. HTTPRoute.</summary>
    [Required]
    [Format(FieldFormat.Kind)]
    public string Kind { get; set; } = "";
}
