namespace Skein.Core.Resources;

/// <summary>Gateway-wide TLS: client certificate validation (frontend) and the Gateway's client certificate (backend).</summary>
public sealed class GatewayTLSConfig
{
    /// <summary>TLS settings when the Gateway connects to backends.</summary>
    public GatewayBackendTLS? Backend { get; set; }

    /// <summary>TLS settings for clients connecting to the Gateway.</summary>
    public FrontendTLSConfig? Frontend { get; set; }
}

/// <summary>The Gateway's identity toward backends.</summary>
public sealed class GatewayBackendTLS
{
    /// <summary>Secret with tls.crt and tls.key presented to backends.</summary>
    public SecretObjectReference? ClientCertificateRef { get; set; }
}

/// <summary>Client certificate validation for HTTPS listeners.</summary>
public sealed class FrontendTLSConfig
{
    /// <summary>Validation for all HTTPS listeners without a per-port override.</summary>
    [Required]
    public TLSConfig Default { get; set; } = new();

    /// <summary>Per-port overrides.</summary>
    [MaxItems(64)]
    public List<TLSPortConfig> PerPort { get; set; } = [];
}

/// <summary>TLS configuration applicable to several listeners.</summary>
public sealed class TLSConfig
{
    /// <summary>Client certificate validation; mutual TLS when set.</summary>
    public FrontendTLSValidation? Validation { get; set; }
}

/// <summary>TLS configuration for the HTTPS listeners on one port.</summary>
public sealed class TLSPortConfig
{
    /// <summary>The port.</summary>
    [Required]
    [Range(1, 65535)]
    public int Port { get; set; }

    /// <summary>The configuration.</summary>
    [Required]
    public TLSConfig Tls { get; set; } = new();
}

/// <summary>How client certificates are validated.</summary>
public sealed class FrontendTLSValidation
{
    /// <summary>CA bundles (ConfigMaps with ca.crt) trusted for client certificates.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(8)]
    public List<ObjectReference> CaCertificateRefs { get; set; } = [];

    /// <summary>AllowValidOnly (default) or AllowInsecureFallback.</summary>
    public FrontendValidationMode Mode { get; set; } = FrontendValidationMode.AllowValidOnly;
}

/// <summary>Client certificate validation modes.</summary>
public enum FrontendValidationMode
{
    /// <summary>A valid client certificate is required.</summary>
    AllowValidOnly,

    /// <summary>Connections without a valid certificate are accepted too.</summary>
    AllowInsecureFallback,
}
