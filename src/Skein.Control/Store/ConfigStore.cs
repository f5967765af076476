using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Control.Store;

/// <summary>The control plane's versioned in-memory store; sources replace their own slice of it.</summary>
/// <remarks>
/// Each source (a file, later a Kubernetes informer) owns a set of resources. A source whose new
/// input is invalid reports errors and keeps its previous resources, so the last good configuration
/// keeps serving. Readers take <see cref="Current"/> and never see a half-applied change.
/// </remarks>
public sealed class ConfigStore(ILogger<ConfigStore> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyList<Resource>> _bySource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ConfigError>> _errorsBySource = new(StringComparer.Ordinal);
    private ConfigSnapshot _current = ConfigSnapshot.Empty;

    /// <summary>Raised after every new snapshot, outside the store's lock.</summary>
    public event Action<ConfigSnapshot>? Changed;

    public ConfigSnapshot Current => Volatile.Read(ref _current);

    /// <summary>True once the first complete load from the sources has been applied.</summary>
    public bool Initialized { get; private set; }

    /// <summary>Replaces a source's resources when its input is valid, or records its errors and keeps its last good resources.</summary>
    public void Apply(string source, LoadResult result)
    {
        if (result.Ok)
        {
            Update(source, result.Resources, []);
        }
        else
        {
            foreach (var error in result.Errors)
            {
                logger.LogWarning("rejected configuration: {Error}", error);
            }

            lock (_gate)
            {
                var kept = _bySource.GetValueOrDefault(source) ?? [];
                UpdateLocked(source, kept, result.Errors);
            }

            Publish();
        }
    }

    /// <summary>Applies many sources' new input (null removes the source) as one change: one rebuild, one snapshot.</summary>
    /// <remarks>An informer's (re)list delivers every object of a kind at once; one snapshot per object would recompile the mesh N times.</remarks>
    public void ApplyMany(IReadOnlyList<(string Source, LoadResult? Result)> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var (source, result) in changes)
            {
                if (result is null)
                {
                    _bySource.Remove(source);
                    _errorsBySource.Remove(source);
                }
                else if (result.Ok)
                {
                    Generations.Assign(result.Resources, _current.Resources);
                    _bySource[source] = result.Resources;
                    _errorsBySource.Remove(source);
                }
                else
                {
                    foreach (var error in result.Errors)
                    {
                        logger.LogWarning("rejected configuration: {Error}", error);
                    }

                    _bySource[source] = _bySource.GetValueOrDefault(source) ?? [];
                    _errorsBySource[source] = result.Errors;
                }
            }

            Rebuild();
        }

        Publish();
    }

    public void Remove(string source)
    {
        lock (_gate)
        {
            _bySource.Remove(source);
            _errorsBySource.Remove(source);
            Rebuild();
        }

        Publish();
    }

    /// <summary>Marks the store ready to be served (all sources have done their first load).</summary>
    public void MarkInitialized()
    {
        Initialized = true;
        Publish();
    }

    private void Update(string source, IReadOnlyList<Resource> resources, IReadOnlyList<ConfigError> errors)
    {
        lock (_gate)
        {
            Generations.Assign(resources, _current.Resources);
            UpdateLocked(source, resources, errors);
        }

        Publish();
    }

    private void UpdateLocked(string source, IReadOnlyList<Resource> resources, IReadOnlyList<ConfigError> errors)
    {
        _bySource[source] = resources;
        if (errors.Count > 0)
        {
            _errorsBySource[source] = errors;
        }
        else
        {
            _errorsBySource.Remove(source);
        }

        Rebuild();
    }

    private void Rebuild()
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<ResourceKey, Resource>(ResourceKeyComparer.Instance);
        var errors = new List<ConfigError>();
        foreach (var (source, resources) in _bySource.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var resource in resources)
            {
                if (builder.TryGetValue(resource.Key, out var first))
                {
                    // Two files define the same object: the first (in path order) wins and the other is reported.
                    errors.Add(new ConfigError(
                        resource.Source?.File ?? source, resource.Source?.Line ?? 1, 1, "metadata.name",
                        $"{resource.Key} is already defined at {first.Source?.File}:{first.Source?.Line}"));
                    continue;
                }

                builder[resource.Key] = resource;
            }
        }

        foreach (var list in _errorsBySource.Values)
        {
            errors.AddRange(list);
        }

        var resourcesChanged = !SameResources(_current.Resources, builder);
        var version = resourcesChanged ? _current.Version + 1 : _current.Version;
        _current = new ConfigSnapshot(version, builder.ToImmutable(), errors);
    }

    private static bool SameResources(ImmutableSortedDictionary<ResourceKey, Resource> old, ImmutableSortedDictionary<ResourceKey, Resource>.Builder next)
    {
        if (old.Count != next.Count)
        {
            return false;
        }

        foreach (var (key, resource) in next)
        {
            if (!old.TryGetValue(key, out var previous) || !ReferenceEquals(previous, resource))
            {
                return false;
            }
        }

        return true;
    }

    private void Publish() => Changed?.Invoke(Current);
}
