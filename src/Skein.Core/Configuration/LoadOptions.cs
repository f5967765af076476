namespace Skein.Core.Configuration;

/// <summary>Loader switches.</summary>
public sealed class LoadOptions
{
    /// <summary>The defaults: every document must be a supported kind.</summary>
    public static LoadOptions Default { get; } = new();

    /// <summary>Skip documents of kinds Skein does not model (Deployment, EndpointSlice…) instead of reporting them.</summary>
    public bool IgnoreUnknownKinds { get; init; }
}
