namespace Skein.Core.Resources;

/// <summary>Default retry policy for requests to the service.</summary>
public sealed class RetrySettings
{
    /// <summary>Retries after the first attempt; 0 disables retries.</summary>
    [Range(0, 100)]
    public int? Attempts { get; set; }

    /// <summary>Timeout of each attempt, e.g. "2s".</summary>
    [Format(FieldFormat.Duration)]
    public string? PerTryTimeout { get; set; }

    /// <summary>Retry conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, or a status code.</summary>
    public List<string> RetryOn { get; set; } = [];
}
