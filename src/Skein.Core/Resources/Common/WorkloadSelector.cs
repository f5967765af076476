namespace Skein.Core.Resources;

/// <summary>Istio-style workload selector: workloads whose labels include all of matchLabels.</summary>
public sealed class WorkloadSelector
{
    /// <summary>Labels a workload must carry; empty selects every workload in the namespace.</summary>
    public Dictionary<string, string> MatchLabels { get; set; } = [];
}
