namespace Skein.Core.Resources;

/// <summary>Circuit-breaking limits per client proxy and destination service.</summary>
public sealed class ConnectionPoolSettings
{
    /// <summary>Maximum concurrent connections.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxConnections { get; set; }

    /// <summary>Maximum requests queued while waiting for a connection.</summary>
    [Range(0, int.MaxValue)]
    public int? MaxPendingRequests { get; set; }

    /// <summary>Maximum concurrent requests.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxRequests { get; set; }

    /// <summary>TCP connect timeout, e.g. "5s".</summary>
    [Format(FieldFormat.Duration)]
    public string? ConnectTimeout { get; set; }
}
