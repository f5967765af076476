using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Inbound mTLS mode for workloads, optionally per port; DISABLE really means plaintext.</summary>
public sealed class PeerAuthenticationResource : Resource<PeerAuthenticationSpec, JsonObject>
{
    /// <summary>Creates an empty PeerAuthentication.</summary>
    public PeerAuthenticationResource()
        : base(ApiVersions.SkeinV1Alpha1, "PeerAuthentication")
    {
    }
}

/// <summary>Selected workloads, their mTLS mode, and per-port overrides.</summary>
public sealed class PeerAuthenticationSpec
{
    /// <summary>Workloads it applies to; absent means the namespace (or the mesh, in the root namespace).</summary>
    public WorkloadSelector? Selector { get; set; }

    /// <summary>The mode for all ports.</summary>
    public PeerAuthenticationMtls? Mtls { get; set; }

    /// <summary>Per-port modes, keyed by workload port number ("8080").</summary>
    public Dictionary<string, PeerAuthenticationMtls>? PortLevelMtls { get; set; }
}

/// <summary>An mTLS setting.</summary>
public sealed class PeerAuthenticationMtls
{
    /// <summary>The mode; UNSET inherits from the parent scope.</summary>
    public MtlsMode Mode { get; set; } = MtlsMode.Unset;
}

/// <summary>mTLS modes.</summary>
public enum MtlsMode
{
    /// <summary>Inherit from the enclosing scope (PERMISSIVE at the top).</summary>
    [JsonStringEnumMemberName("UNSET")]
    Unset,

    /// <summary>Only mTLS (HBONE) connections are accepted.</summary>
    [JsonStringEnumMemberName("STRICT")]
    Strict,

    /// <summary>mTLS and plaintext are both accepted.</summary>
    [JsonStringEnumMemberName("PERMISSIVE")]
    Permissive,

    /// <summary>Plaintext only: traffic is neither encrypted nor authenticated.</summary>
    [JsonStringEnumMemberName("DISABLE")]
    Disable,
}
