using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A peer mesh: its SPIFFE trust domain, where to fetch its trust bundle, and how to reach it.</summary>
public sealed class MeshFederationResource : Resource<MeshFederationSpec, JsonObject>
{
    /// <summary>Creates an empty MeshFederation.</summary>
    public MeshFederationResource()
        : base(ApiVersions.SkeinV1Alpha1, "MeshFederation")
    {
    }
}

/// <summary>Peer trust domain and SPIFFE bundle endpoint.</summary>
public sealed class MeshFederationSpec
{
    /// <summary>The peer's trust domain, e.g. "east.example.org".</summary>
    [Required]
    [Format(FieldFormat.TrustDomain)]
    public string TrustDomain { get; set; } = "";

    /// <summary>The peer's SPIFFE bundle endpoint.</summary>
    [Required]
    [Format(FieldFormat.HttpsUrl)]
    public string BundleEndpointURL { get; set; } = "";

    /// <summary>How the bundle endpoint's server is authenticated.</summary>
    public BundleEndpointProfile BundleEndpointProfile { get; set; } = BundleEndpointProfile.HttpsWeb;

    /// <summary>SPIFFE ID of the bundle endpoint server; required for https_spiffe.</summary>
    [Format(FieldFormat.SpiffeId)]
    public string? EndpointSPIFFEID { get; set; }

    /// <summary>The peer's roots (PEM) to trust before the first fetch; https_spiffe needs them (or trustBundleFile) to verify the endpoint.</summary>
    public string? TrustBundle { get; set; }

    /// <summary>A file with the peer's roots (PEM, relative to the config directory), an alternative to trustBundle.</summary>
    public string? TrustBundleFile { get; set; }

    /// <summary>Where cross-mesh HBONE traffic enters the peer.</summary>
    public NetworkGateway? NetworkGateway { get; set; }
}

/// <summary>SPIFFE bundle endpoint profiles.</summary>
public enum BundleEndpointProfile
{
    /// <summary>The endpoint presents a Web PKI certificate.</summary>
    [JsonStringEnumMemberName("https_web")]
    HttpsWeb,

    /// <summary>The endpoint presents an SVID checked against the peer's previous bundle.</summary>
    [JsonStringEnumMemberName("https_spiffe")]
    HttpsSpiffe,
}

/// <summary>A peer's network gateway address.</summary>
public sealed class NetworkGateway
{
    /// <summary>IP address or DNS name.</summary>
    [Required]
    public string Address { get; set; } = "";

    /// <summary>HBONE port, usually 15008.</summary>
    [Required]
    [Range(1, 65535)]
    public int Port { get; set; }
}
