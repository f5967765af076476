namespace Skein.Core.Resources;

/// <summary>Injected faults for resilience testing.</summary>
public sealed class FaultInjectionSettings
{
    /// <summary>Delay a share of requests.</summary>
    public DelayFault? Delay { get; set; }

    /// <summary>Fail a share of requests with a status code.</summary>
    public AbortFault? Abort { get; set; }
}

/// <summary>A fixed delay for a share of requests.</summary>
public sealed class DelayFault
{
    /// <summary>Share of requests delayed, 0..100 (100 when absent).</summary>
    [Range(0, 100)]
    public double? Percentage { get; set; }

    /// <summary>The delay, e.g. "2s".</summary>
    [Required]
    [Format(FieldFormat.Duration)]
    public string FixedDelay { get; set; } = "";
}

/// <summary>An immediate error response for a share of requests.</summary>
public sealed class AbortFault
{
    /// <summary>Share of requests aborted, 0..100 (100 when absent).</summary>
    [Range(0, 100)]
    public double? Percentage { get; set; }

    /// <summary>The HTTP status returned.</summary>
    [Required]
    [Range(200, 599)]
    public int HttpStatus { get; set; }
}
