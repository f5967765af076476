using System.Text.Json.Nodes;

namespace Skein.Core.Resources;

/// <summary>A Kubernetes Service: a stable name and ports in front of the workloads its selector matches.</summary>
public sealed class ServiceResource : Resource<ServiceSpec, JsonObject>
{
    /// <summary>Creates an empty Service.</summary>
    public ServiceResource()
        : base(ApiVersions.CoreV1, "Service")
    {
    }
}

/// <summary>The parts of the Kubernetes ServiceSpec a mesh uses.</summary>
public sealed class ServiceSpec
{
    /// <summary>Labels of the workloads behind the Service; absent means endpoints are supplied another way.</summary>
    public Dictionary<string, string>? Selector { get; set; }

    /// <summary>Ports the Service exposes.</summary>
    public List<ServicePort> Ports { get; set; } = [];

    /// <summary>How the Service is exposed.</summary>
    public ServiceType Type { get; set; } = ServiceType.ClusterIP;

    /// <summary>Virtual IP; "None" makes a headless Service; empty lets Skein allocate one.</summary>
    public string? ClusterIP { get; set; }

    /// <summary>Virtual IPs (dual stack); the first equals clusterIP.</summary>
    [Format(FieldFormat.IpAddress)]
    public List<string> ClusterIPs { get; set; } = [];

    /// <summary>Extra addresses the Service accepts traffic on.</summary>
    [Format(FieldFormat.IpAddress)]
    public List<string> ExternalIPs { get; set; } = [];

    /// <summary>DNS name an ExternalName Service aliases.</summary>
    [Format(FieldFormat.DnsSubdomain)]
    public string? ExternalName { get; set; }

    /// <summary>Client affinity: None or ClientIP.</summary>
    [OneOf("None", "ClientIP")]
    public string? SessionAffinity { get; set; }

    /// <summary>IP families: IPv4 and/or IPv6.</summary>
    [OneOf("IPv4", "IPv6")]
    public List<string> IpFamilies { get; set; } = [];

    /// <summary>SingleStack, PreferDualStack or RequireDualStack.</summary>
    [OneOf("SingleStack", "PreferDualStack", "RequireDualStack")]
    public string? IpFamilyPolicy { get; set; }

    /// <summary>Requested load balancer address (deprecated upstream, kept for round trips).</summary>
    [Format(FieldFormat.IpAddress)]
    public string? LoadBalancerIP { get; set; }

    /// <summary>Client CIDRs allowed through a cloud load balancer.</summary>
    [Format(FieldFormat.IpOrCidr)]
    public List<string> LoadBalancerSourceRanges { get; set; } = [];

    /// <summary>Load balancer implementation class.</summary>
    public string? LoadBalancerClass { get; set; }

    /// <summary>Cluster or Local routing for external traffic.</summary>
    [OneOf("Cluster", "Local")]
    public string? ExternalTrafficPolicy { get; set; }

    /// <summary>Cluster or Local routing for in-cluster traffic.</summary>
    [OneOf("Cluster", "Local")]
    public string? InternalTrafficPolicy { get; set; }

    /// <summary>Topology hint, e.g. PreferClose.</summary>
    public string? TrafficDistribution { get; set; }

    /// <summary>Publish endpoints before they are ready.</summary>
    public bool? PublishNotReadyAddresses { get; set; }

    /// <summary>Whether a LoadBalancer Service allocates node ports.</summary>
    public bool? AllocateLoadBalancerNodePorts { get; set; }

    /// <summary>Health check node port for externalTrafficPolicy Local.</summary>
    [Range(1, 65535)]
    public int? HealthCheckNodePort { get; set; }
}

/// <summary>Kubernetes Service types.</summary>
public enum ServiceType
{
    /// <summary>A cluster-internal virtual IP (the default).</summary>
    ClusterIP,

    /// <summary>ClusterIP plus a port on every node.</summary>
    NodePort,

    /// <summary>NodePort plus an external load balancer.</summary>
    LoadBalancer,

    /// <summary>A DNS alias for an external name.</summary>
    ExternalName,
}
