namespace Skein.Core.Resources;

/// <summary>Token-bucket rate limit applied by each client proxy.</summary>
public sealed class RateLimitSettings
{
    /// <summary>Sustained rate (tokens added per second).</summary>
    [Required]
    [Range(0.001, 1e9)]
    public double RequestsPerSecond { get; set; }

    /// <summary>Bucket size; defaults to the per-second rate rounded up.</summary>
    [Range(1, int.MaxValue)]
    public int? Burst { get; set; }
}
