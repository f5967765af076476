namespace Skein.Core.Resources;

/// <summary>Passive health checking: eject endpoints that keep failing.</summary>
public sealed class OutlierDetectionSettings
{
    /// <summary>Consecutive 5xx responses (or connect failures) before ejection.</summary>
    [Range(0, int.MaxValue)]
    public int? Consecutive5xxErrors { get; set; }

    /// <summary>Consecutive 502/503/504 responses (or connect failures) before ejection.</summary>
    [Range(0, int.MaxValue)]
    public int? ConsecutiveGatewayErrors { get; set; }

    /// <summary>How often ejection is evaluated, e.g. "10s".</summary>
    [Format(FieldFormat.Duration)]
    public string? Interval { get; set; }

    /// <summary>Minimum ejection time, multiplied by the number of ejections, e.g. "30s".</summary>
    [Format(FieldFormat.Duration)]
    public string? BaseEjectionTime { get; set; }

    /// <summary>Upper bound on the share of endpoints ejected at once.</summary>
    [Range(0, 100)]
    public int? MaxEjectionPercent { get; set; }
}
