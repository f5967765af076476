namespace Skein.Core.Resources;

/// <summary>A processing step of an HTTPRoute rule or backend; the field named after the type carries its settings.</summary>
public sealed class HTTPRouteFilter
{
    /// <summary>Which filter this is.</summary>
    [Required]
    public HTTPRouteFilterType Type { get; set; }

    /// <summary>Settings for RequestHeaderModifier.</summary>
    public HTTPHeaderFilter? RequestHeaderModifier { get; set; }

    /// <summary>Settings for ResponseHeaderModifier.</summary>
    public HTTPHeaderFilter? ResponseHeaderModifier { get; set; }

    /// <summary>Settings for RequestMirror.</summary>
    public HTTPRequestMirrorFilter? RequestMirror { get; set; }

    /// <summary>Settings for RequestRedirect.</summary>
    public HTTPRequestRedirectFilter? RequestRedirect { get; set; }

    /// <summary>Settings for URLRewrite.</summary>
    public HTTPURLRewriteFilter? UrlRewrite { get; set; }

    /// <summary>Settings for CORS.</summary>
    public HTTPCORSFilter? Cors { get; set; }

    /// <summary>Settings for ExternalAuth (experimental).</summary>
    public HTTPExternalAuthFilter? ExternalAuth { get; set; }

    /// <summary>Settings for ExtensionRef: an implementation-specific filter object.</summary>
    public LocalObjectReference? ExtensionRef { get; set; }
}

/// <summary>HTTPRoute filter types.</summary>
public enum HTTPRouteFilterType
{
    /// <summary>Set, add or remove request headers.</summary>
    RequestHeaderModifier,

    /// <summary>Set, add or remove response headers.</summary>
    ResponseHeaderModifier,

    /// <summary>Copy requests to another backend, ignoring its responses.</summary>
    RequestMirror,

    /// <summary>Answer with a redirect.</summary>
    RequestRedirect,

    /// <summary>Rewrite host and/or path before forwarding.</summary>
    URLRewrite,

    /// <summary>Answer CORS preflights and add CORS headers.</summary>
    CORS,

    /// <summary>Ask an external service to authorize the request.</summary>
    ExternalAuth,

    /// <summary>An implementation-specific filter.</summary>
    ExtensionRef,
}

/// <summary>Header modifications; one action per header name.</summary>
public sealed class HTTPHeaderFilter
{
    /// <summary>Headers to overwrite.</summary>
    [MaxItems(16)]
    public List<HTTPHeader> Set { get; set; } = [];

    /// <summary>Headers to append.</summary>
    [MaxItems(16)]
    public List<HTTPHeader> Add { get; set; } = [];

    /// <summary>Header names to remove.</summary>
    [MaxItems(16)]
    [Format(FieldFormat.HeaderName)]
    public List<string> Remove { get; set; } = [];
}

/// <summary>An HTTP header name and value.</summary>
public sealed class HTTPHeader
{
    /// <summary>Header name.</summary>
    [Required]
    [MaxLength(256)]
    [Format(FieldFormat.HeaderName)]
    public string Name { get; set; } = "";

    /// <summary>Header value.</summary>
    [Required]
    [MaxLength(4096)]
    public string Value { get; set; } = "";
}

/// <summary>Mirror requests to a backend.</summary>
public sealed class HTTPRequestMirrorFilter
{
    /// <summary>The mirror destination.</summary>
    [Required]
    public BackendObjectReference BackendRef { get; set; } = new();

    /// <summary>Share of requests mirrored, 0..100; exclusive with fraction.</summary>
    [Range(0, 100)]
    public int? Percent { get; set; }

    /// <summary>Share of requests mirrored as a fraction; exclusive with percent.</summary>
    public Fraction? Fraction { get; set; }
}

/// <summary>A numerator/denominator ratio.</summary>
public sealed class Fraction
{
    /// <summary>Numerator, at most the denominator.</summary>
    [Required]
    [Range(0, int.MaxValue)]
    public int Numerator { get; set; }

    /// <summary>Denominator (default 100).</summary>
    [Range(1, int.MaxValue)]
    public int Denominator { get; set; } = 100;
}

/// <summary>Answer with a redirect built from the request and these overrides.</summary>
public sealed class HTTPRequestRedirectFilter
{
    /// <summary>http or https.</summary>
    [OneOf("http", "https")]
    public string? Scheme { get; set; }

    /// <summary>Host for the Location header.</summary>
    [Format(FieldFormat.PreciseHostname)]
    public string? Hostname { get; set; }

    /// <summary>Path rewrite for the Location header.</summary>
    public HTTPPathModifier? Path { get; set; }

    /// <summary>Port for the Location header.</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Redirect status: 301, 302 (default), 303, 307 or 308.</summary>
    [OneOf("301", "302", "303", "307", "308")]
    public int StatusCode { get; set; } = 302;
}

/// <summary>Rewrite host and/or path before forwarding.</summary>
public sealed class HTTPURLRewriteFilter
{
    /// <summary>New Host header.</summary>
    [Format(FieldFormat.PreciseHostname)]
    public string? Hostname { get; set; }

    /// <summary>Path rewrite.</summary>
    public HTTPPathModifier? Path { get; set; }
}

/// <summary>A path replacement: the full path, or the matched prefix.</summary>
public sealed class HTTPPathModifier
{
    /// <summary>ReplaceFullPath or ReplacePrefixMatch.</summary>
    [Required]
    public HTTPPathModifierType Type { get; set; }

    /// <summary>Replacement path, for ReplaceFullPath.</summary>
    [MaxLength(1024)]
    public string? ReplaceFullPath { get; set; }

    /// <summary>Replacement prefix, for ReplacePrefixMatch.</summary>
    [MaxLength(1024)]
    public string? ReplacePrefixMatch { get; set; }
}

/// <summary>Path modifier types.</summary>
public enum HTTPPathModifierType
{
    /// <summary>Replace the whole path.</summary>
    ReplaceFullPath,

    /// <summary>Replace the part matched by a PathPrefix match.</summary>
    ReplacePrefixMatch,
}
