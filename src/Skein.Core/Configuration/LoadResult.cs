using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>The valid resources read and every problem found; callers reject the whole set when not <see cref="Ok"/>.</summary>
public sealed record LoadResult(IReadOnlyList<Resource> Resources, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>True when no errors were found.</summary>
    public bool Ok => Errors.Count == 0;
}
