using System.Net;

namespace Skein.Control;

/// <summary>Where the control plane reads config, keeps state and listens.</summary>
public sealed class ControlPlaneOptions
{
    public required string ConfigDirectory { get; init; }

    /// <summary>Read configuration from a Kubernetes API server instead of <see cref="ConfigDirectory"/>.</summary>
    public bool Kubernetes { get; init; }

    /// <summary>The kubeconfig for <see cref="Kubernetes"/>; null uses the pod's in-cluster ServiceAccount.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>On Kubernetes, the ServiceAccount (namespace/name) whose pod-bound tokens node proxies may present instead of a join token.</summary>
    public string NodeProxyServiceAccount { get; init; } = "skein-system/skein-node";

    public string StateDirectory { get; init; } = ".skein/state";

    /// <summary>Address every listener binds; loopback by default so nothing is exposed unless asked.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int XdsPort { get; init; } = 15012;

    public int MetricsPort { get; init; } = 15014;

    public int ApiPort { get; init; } = 20001;

    /// <summary>The SPIFFE bundle endpoint (HTTPS with the control plane's SVID, profile https_spiffe); 0 leaves it off (the REST API port still serves the bundle over plain HTTP).</summary>
    public int BundlePort { get; init; } = 20002;

    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>Longest lifetime of a workload certificate; proxies renew at half of it.</summary>
    public TimeSpan WorkloadCertTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>An intermediate CA certificate to sign with instead of the generated root (PEM).</summary>
    public string? CaCertFile { get; init; }

    /// <summary>The intermediate's private key (PEM, ECDSA).</summary>
    public string? CaKeyFile { get; init; }

    /// <summary>The certificates above the intermediate, ending at the root (PEM).</summary>
    public string? CaChainFile { get; init; }

    /// <summary>IPv4 CIDR from which Gateways without usable spec.addresses get a stable address.</summary>
    public string GatewayAddressPool { get; init; } = Gateway.GatewayAddressAllocator.DefaultPool;
}
