using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Control.Api;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>Writes the status the control plane computes (Gateway API kinds, MeshFederation) to the API server's status subresource when it changes.</summary>
/// <remarks>
/// The same rendering the REST API serves (<see cref="ResourceStatusView"/>) is the source of truth, so kubectl and
/// <c>skein get</c> agree. Only changed statuses are written; a failed write (API server away, object just deleted)
/// is retried on the next round. Federation status changes without a config change, hence the periodic round.
/// </remarks>
public sealed class KubernetesStatusWriter(ConfigStore store, ResourceStatusView view, IKubernetesApi api, ObservedStatuses observed, ILogger<KubernetesStatusWriter> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<ResourceKey, string> _written = [];
    private readonly SemaphoreSlim _signal = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _signal.WaitAsync(Period, stoppingToken);
                await Task.Delay(Debounce, stoppingToken);
                while (_signal.CurrentCount > 0)
                {
                    _signal.Wait(0, CancellationToken.None);
                }

                if (store.Initialized)
                {
                    await WriteChangedAsync(store.Current, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Changed -= OnChanged;
        }
    }

    internal async Task WriteChangedAsync(ConfigSnapshot snapshot, CancellationToken ct)
    {
        var present = new HashSet<ResourceKey>();
        foreach (var node in view.Render(snapshot, r => r.Source is not null && KubernetesKind.Find(r.Kind) is { WritesStatus: true }))
        {
            var kind = KubernetesKind.Find(node["kind"]!.GetValue<string>())!;
            var name = node["metadata"]!["name"]!.GetValue<string>();
            var ns = kind.Namespaced ? node["metadata"]!["namespace"]?.GetValue<string>() ?? "default" : null;
            var key = new ResourceKey(kind.Kind, ns ?? "", name);
            present.Add(key);
            if (node["status"] is not JsonNode status)
            {
                continue;
            }

            var json = status.ToJsonString();
            if (_written.TryGetValue(key, out var previous) && previous == json)
            {
                continue;
            }

            try
            {
                await api.PatchStatusAsync(kind, ns, name, observed.Merge(key, status), ct);
                _written[key] = json;
                logger.LogInformation("wrote status of {Kind} {Name}", kind.Kind, ns is null ? name : $"{ns}/{name}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("status of {Kind} {Name} not written: {Error}; retrying", kind.Kind, ns is null ? name : $"{ns}/{name}", e.Message);
            }
        }

        foreach (var gone in _written.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _written.Remove(gone);
        }
    }

    private void OnChanged(ConfigSnapshot snapshot) => _signal.Release();
}
