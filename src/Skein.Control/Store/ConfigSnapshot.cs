using System.Collections.Immutable;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Control.Store;

/// <summary>An immutable, versioned view of all accepted resources and the errors of rejected input.</summary>
public sealed class ConfigSnapshot
{
    public static readonly ConfigSnapshot Empty = new(0, ImmutableSortedDictionary<ResourceKey, Resource>.Empty, []);

    public ConfigSnapshot(long version, ImmutableSortedDictionary<ResourceKey, Resource> resources, IReadOnlyList<ConfigError> errors)
    {
        Version = version;
        Resources = resources;
        Errors = errors;
    }

    /// <summary>When the change was accepted: push latency is measured from here.</summary>
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Increases by one with every accepted change.</summary>
    public long Version { get; }

    public ImmutableSortedDictionary<ResourceKey, Resource> Resources { get; }

    /// <summary>Errors of input that was rejected; the resources it would have replaced keep serving.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    public IEnumerable<T> OfType<T>() where T : Resource => Resources.Values.OfType<T>();
}
