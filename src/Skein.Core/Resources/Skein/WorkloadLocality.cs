namespace Skein.Core.Resources;

/// <summary>Failure-domain coordinates of a workload.</summary>
public sealed class WorkloadLocality
{
    /// <summary>Region, e.g. us-east1.</summary>
    public string? Region { get; set; }

    /// <summary>Zone within the region.</summary>
    public string? Zone { get; set; }

    /// <summary>Subzone within the zone (rack, host group).</summary>
    public string? Subzone { get; set; }
}
