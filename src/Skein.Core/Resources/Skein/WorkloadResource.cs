using System.Text.Json.Nodes;

namespace Skein.Core.Resources;

/// <summary>A workload outside Kubernetes (VM, bare metal, local process), like Istio's WorkloadEntry.</summary>
public sealed class WorkloadResource : Resource<WorkloadSpec, JsonObject>
{
    /// <summary>Creates an empty Workload.</summary>
    public WorkloadResource()
        : base(ApiVersions.SkeinV1Alpha1, "Workload")
    {
    }
}

/// <summary>Where a workload runs, who it is, and which services it calls through localhost upstreams.</summary>
public sealed class WorkloadSpec
{
    /// <summary>The workload's IP addresses.</summary>
    [Required]
    [MinItems(1)]
    [Format(FieldFormat.IpAddress)]
    public List<string> Addresses { get; set; } = [];

    /// <summary>Service account; the identity is spiffe://trust-domain/ns/namespace/sa/serviceAccount.</summary>
    [Format(FieldFormat.DnsLabel)]
    public string ServiceAccount { get; set; } = "default";

    /// <summary>A federated peer's trust domain when the workload belongs to that mesh (its identity is then spiffe://trustDomain/ns/namespace/sa/serviceAccount); a MeshFederation for it must exist.</summary>
    [Format(FieldFormat.TrustDomain)]
    public string? TrustDomain { get; set; }

    /// <summary>The node (node proxy) the workload is placed on.</summary>
    [Required]
    [Format(FieldFormat.DnsSubdomain)]
    public string Node { get; set; } = "";

    /// <summary>Network name, for multi-network meshes.</summary>
    public string? Network { get; set; }

    /// <summary>Region, zone and subzone, used for locality-aware load balancing.</summary>
    public WorkloadLocality? Locality { get; set; }

    /// <summary>Port name to workload port, overriding a Service's targetPort by name.</summary>
    public Dictionary<string, int>? Ports { get; set; }

    /// <summary>Services reachable on local ports (Consul-style capture without iptables).</summary>
    public List<WorkloadUpstream> Upstreams { get; set; } = [];
}
