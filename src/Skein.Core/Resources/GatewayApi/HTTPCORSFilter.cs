namespace Skein.Core.Resources;

/// <summary>Cross-origin resource sharing settings.</summary>
public sealed class HTTPCORSFilter
{
    /// <summary>Allowed origins ("*" alone, or scheme://host[:port] with '*' wildcards in the host).</summary>
    [MaxItems(64)]
    [Format(FieldFormat.CorsOrigin)]
    public List<string> AllowOrigins { get; set; } = [];

    /// <summary>Whether credentials are allowed.</summary>
    public bool? AllowCredentials { get; set; }

    /// <summary>Allowed methods, or "*" alone.</summary>
    [MaxItems(9)]
    [OneOf("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*")]
    public List<string> AllowMethods { get; set; } = [];

    /// <summary>Allowed request headers, or "*".</summary>
    [MaxItems(64)]
    [Format(FieldFormat.HeaderName)]
    public List<string> AllowHeaders { get; set; } = [];

    /// <summary>Response headers exposed to scripts, or "*".</summary>
    [MaxItems(64)]
    [Format(FieldFormat.HeaderName)]
    public List<string> ExposeHeaders { get; set; } = [];

    /// <summary>Preflight cache lifetime in seconds (default 5).</summary>
    [Range(1, int.MaxValue)]
    public int MaxAge { get; set; } = 5;
}

/// <summary>External authorization settings.</summary>
public sealed class HTTPExternalAuthFilter
{
    /// <summary>GRPC (Envoy ext_authz) or HTTP.</summary>
    [Required]
    public ExternalAuthProtocol Protocol { get; set; }

    /// <summary>The authorization service.</summary>
    [Required]
    public BackendObjectReference BackendRef { get; set; } = new();

    /// <summary>Settings for GRPC.</summary>
    public GRPCAuthConfig? Grpc { get; set; }

    /// <summary>Settings for HTTP.</summary>
    public HTTPAuthConfig? Http { get; set; }

    /// <summary>Whether (and how much of) the body is sent.</summary>
    public ForwardBodyConfig? ForwardBody { get; set; }
}

/// <summary>External authorization protocols.</summary>
public enum ExternalAuthProtocol
{
    /// <summary>Envoy ext_authz over gRPC.</summary>
    GRPC,

    /// <summary>Plain HTTP: 200 allows.</summary>
    HTTP,
}

/// <summary>ext_authz gRPC settings.</summary>
public sealed class GRPCAuthConfig
{
    /// <summary>Request headers sent to the authorizer; all when empty.</summary>
    [MaxItems(64)]
    public List<string> AllowedHeaders { get; set; } = [];
}

/// <summary>HTTP authorizer settings.</summary>
public sealed class HTTPAuthConfig
{
    /// <summary>Path prefix added to forwarded requests.</summary>
    [MaxLength(1024)]
    public string? Path { get; set; }

    /// <summary>Extra request headers sent to the authorizer.</summary>
    [MaxItems(64)]
    public List<string> AllowedHeaders { get; set; } = [];

    /// <summary>Authorizer response headers copied to the upstream request.</summary>
    [MaxItems(64)]
    public List<string> AllowedResponseHeaders { get; set; } = [];
}

/// <summary>Body forwarding to the authorizer.</summary>
public sealed class ForwardBodyConfig
{
    /// <summary>Maximum body bytes buffered and sent; 0 sends none.</summary>
    [Range(0, 65535)]
    public int MaxSize { get; set; }
}
