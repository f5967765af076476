namespace Skein.Core.Resources;

/// <summary>Default timeouts for requests to the service.</summary>
public sealed class TimeoutSettings
{
    /// <summary>Whole request, including retries.</summary>
    [Format(FieldFormat.Duration)]
    public string? Request { get; set; }

    /// <summary>Each attempt to a backend.</summary>
    [Format(FieldFormat.Duration)]
    public string? BackendRequest { get; set; }

    /// <summary>Idle connection timeout.</summary>
    [Format(FieldFormat.Duration)]
    public string? Idle { get; set; }
}
