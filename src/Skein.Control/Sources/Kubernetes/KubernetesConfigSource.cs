using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Control.Store;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>Reads configuration from a Kubernetes API server: one informer (list + watch) per kind, every object its own store source.</summary>
/// <remarks>
/// Mirrors the file source's seam: objects are loaded and validated by the same loader as YAML files and applied to the
/// store per object, so an invalid object is reported (kind, namespace/name, field, reason) and never served while the
/// rest, and that object's last good version, keep serving. Pods become Workloads (<see cref="PodWorkloads"/>).
/// </remarks>
public sealed class KubernetesConfigSource(ConfigStore store, IKubernetesApi api, ObservedStatuses statuses, ILogger<KubernetesConfigSource> logger) : BackgroundService, IKubernetesObjectSink
{
    private readonly Lock _gate = new();

    /// <summary>Per kind: store source name → hash of the document last applied (null when the object mapped to nothing).</summary>
    private readonly Dictionary<string, Dictionary<string, string?>> _applied = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var informers = KubernetesKind.All.Select(k => new KindInformer(k, api, this, logger)).ToList();
        var running = informers.Select(i => Task.Run(() => i.RunAsync(stoppingToken), stoppingToken)).ToList();
        try
        {
            await Task.WhenAll(informers.Select(i => i.Listed)).WaitAsync(stoppingToken);
            store.MarkInitialized();
            logger.LogInformation("loaded config from the Kubernetes API server: {Count} resources, {Errors} errors", store.Current.Resources.Count, store.Current.Errors.Count);
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(running);
    }

    public void Replace(KubernetesKind kind, IReadOnlyList<JsonObject> items)
    {
        lock (_gate)
        {
            var applied = Applied(kind);
            var changes = new List<(string, LoadResult?)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                seen.Add(KubernetesDocuments.SourceName(kind, item));
                if (Translate(kind, item, applied) is { } change)
                {
                    changes.Add(change);
                }
            }

            foreach (var gone in applied.Keys.Where(s => !seen.Contains(s)).ToList())
            {
                applied.Remove(gone);
                changes.Add((gone, null));
                statuses.Forget(KeyOf(kind, gone));
            }

            store.ApplyMany(changes);
        }
    }

    public void Upsert(KubernetesKind kind, JsonObject item)
    {
        lock (_gate)
        {
            if (Translate(kind, item, Applied(kind)) is { } change)
            {
                store.ApplyMany([change]);
                if (change.Item2 is not { Ok: false })
                {
                    logger.LogInformation("applied {Object} (config version {Version})", KubernetesDocuments.DisplayName(kind, item), store.Current.Version);
                }
            }
        }
    }

    public void Delete(KubernetesKind kind, JsonObject item)
    {
        lock (_gate)
        {
            var source = KubernetesDocuments.SourceName(kind, item);
            statuses.Forget(KeyOf(kind, source));
            if (Applied(kind).Remove(source))
            {
                store.ApplyMany([(source, null)]);
                logger.LogInformation("removed {Object} (config version {Version})", KubernetesDocuments.DisplayName(kind, item), store.Current.Version);
            }
        }
    }

    /// <summary>The store change an object makes, or null when its document is what was applied last (e.g. only status or resourceVersion moved).</summary>
    private (string, LoadResult?)? Translate(KubernetesKind kind, JsonObject item, Dictionary<string, string?> applied)
    {
        var source = KubernetesDocuments.SourceName(kind, item);
        if (kind.WritesStatus)
        {
            statuses.Record(KeyOf(kind, source), item["status"]);
        }

        var document = KubernetesDocuments.ToDocument(kind, item);
        var hash = document is null ? null : KubernetesDocuments.Hash(document);
        if (applied.TryGetValue(source, out var previous) && previous == hash)
        {
            return null;
        }

        applied[source] = hash;
        return document is null
            ? (source, null)
            : (source, KubernetesDocuments.Load(KubernetesDocuments.DisplayName(kind, item), document));
    }

    /// <summary>The store key of a source name (<c>kubernetes:Kind/ns/name</c> or <c>kubernetes:Kind/name</c>).</summary>
    private static ResourceKey KeyOf(KubernetesKind kind, string source)
    {
        var parts = source["kubernetes:".Length..].Split('/');
        return kind.Namespaced ? new ResourceKey(kind.Kind, parts[1], parts[2]) : new ResourceKey(kind.Kind, "", parts[1]);
    }

    private Dictionary<string, string?> Applied(KubernetesKind kind)
    {
        if (!_applied.TryGetValue(kind.Kind, out var applied))
        {
            applied = new(StringComparer.Ordinal);
            _applied[kind.Kind] = applied;
        }

        return applied;
    }
}
