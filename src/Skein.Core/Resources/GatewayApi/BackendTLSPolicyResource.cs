namespace Skein.Core.Resources;

/// <summary>A Gateway API BackendTLSPolicy: how gateways and waypoints originate TLS to a backend.</summary>
public sealed class BackendTLSPolicyResource : Resource<BackendTLSPolicySpec, PolicyStatus>
{
    /// <summary>Creates an empty BackendTLSPolicy.</summary>
    public BackendTLSPolicyResource()
        : base(ApiVersions.GatewayV1, "BackendTLSPolicy")
    {
    }
}

/// <summary>Targets and TLS validation settings.</summary>
public sealed class BackendTLSPolicySpec
{
    /// <summary>Services (or their named ports) the policy applies to.</summary>
    [Required]
    [MinItems(1)]
    [MaxItems(16)]
    public List<LocalPolicyTargetReferenceWithSectionName> TargetRefs { get; set; } = [];

    /// <summary>How the backend certificate is validated.</summary>
    [Required]
    public BackendTLSPolicyValidation Validation { get; set; } = new();

    /// <summary>Implementation-specific TLS options.</summary>
    [MaxItems(16)]
    public Dictionary<string, string> Options { get; set; } = [];
}

/// <summary>Backend certificate validation.</summary>
public sealed class BackendTLSPolicyValidation
{
    /// <summary>CA bundles (ConfigMaps with ca.crt); exclusive with wellKnownCACertificates.</summary>
    [MaxItems(8)]
    public List<LocalObjectReference> CaCertificateRefs { get; set; } = [];

    /// <summary>"System" to trust the platform's CA store.</summary>
    [OneOf("System")]
    public string? WellKnownCACertificates { get; set; }

    /// <summary>SNI sent to the backend, and the name verified unless subjectAltNames is set.</summary>
    [Required]
    [Format(FieldFormat.PreciseHostname)]
    public string Hostname { get; set; } = "";

    /// <summary>Names the backend certificate must carry (any one of them).</summary>
    [MaxItems(5)]
    public List<SubjectAltName> SubjectAltNames { get; set; } = [];
}

/// <summary>A Subject Alternative Name to verify.</summary>
public sealed class SubjectAltName
{
    /// <summary>Hostname or URI.</summary>
    [Required]
    public SubjectAltNameType Type { get; set; }

    /// <summary>DNS name, for type Hostname.</summary>
    [Format(FieldFormat.Hostname)]
    public string? Hostname { get; set; }

    /// <summary>URI (e.g. a SPIFFE ID), for type URI.</summary>
    [Format(FieldFormat.AbsoluteUri)]
    public string? Uri { get; set; }
}

/// <summary>Subject Alternative Name types.</summary>
public enum SubjectAltNameType
{
    /// <summary>A DNS name.</summary>
    Hostname,

    /// <summary>A URI.</summary>
    URI,
}
