using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>Receives what an informer learns: a full (re)list, or one object added, modified or deleted.</summary>
public interface IKubernetesObjectSink
{
    /// <summary>The complete set of a kind's objects: anything not in it is gone.</summary>
    void Replace(KubernetesKind kind, IReadOnlyList<JsonObject> items);

    void Upsert(KubernetesKind kind, JsonObject item);

    void Delete(KubernetesKind kind, JsonObject item);
}

/// <summary>Lists one kind, then watches it from the list's resourceVersion, resuming after every interruption.</summary>
/// <remarks>
/// The client-go informer contract: a watch ends (timeout, dropped connection, server restart) and is resumed from the
/// last resourceVersion seen (events or bookmarks), so nothing is missed or repeated; when the server no longer has
/// that version (410 Gone, e.g. after compaction) the kind is listed again and the sink gets the whole set. Failures
/// back off exponentially; meanwhile the store keeps what it has, so the last good config keeps serving.
/// </remarks>
public sealed class KindInformer(KubernetesKind kind, IKubernetesApi api, IKubernetesObjectSink sink, ILogger logger, TimeProvider? time = null)
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>How often a kind the server does not serve (CRD not installed) is looked for again.</summary>
    public static readonly TimeSpan AbsentRetry = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Completes after the first list (or after learning the kind is not served).</summary>
    public Task Listed => _listed.Task;

    /// <summary>The resourceVersion the next watch resumes from; null means the next step is a list.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>How many times the kind was listed (1 at start, +1 per 410 Gone or unresumable failure).</summary>
    public int Lists { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (ResourceVersion is null)
                {
                    var list = await api.ListAsync(kind, ct);
                    Lists++;
                    if (list is not { } found)
                    {
                        sink.Replace(kind, []);
                        _listed.TrySetResult();
                        logger.LogInformation("{Kind}: not served by the API server; looking again in {Retry}", kind.Kind, AbsentRetry);
                        await Task.Delay(AbsentRetry, _time, ct);
                        continue;
                    }

                    sink.Replace(kind, found.Items);
                    ResourceVersion = found.ResourceVersion;
                    _listed.TrySetResult();
                    logger.LogInformation("{Kind}: listed {Count} objects at resourceVersion {Version}", kind.Kind, found.Items.Count, found.ResourceVersion);
                }

                await WatchAsync(ResourceVersion, ct);
                backoff = MinBackoff;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning("{Kind}: {Error}; retrying in {Backoff} (last good config keeps serving)", kind.Kind, e.Message, backoff);
                try
                {
                    await Task.Delay(backoff, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task WatchAsync(string from, CancellationToken ct)
    {
        await foreach (var e in api.WatchAsync(kind, from, ct))
        {
            switch (e.Type)
            {
                case "ADDED":
                case "MODIFIED":
                    sink.Upsert(kind, e.Object);
                    break;
                case "DELETED":
                    sink.Delete(kind, e.Object);
                    break;
                case "BOOKMARK":
                    break;
                case "ERROR":
                    var code = e.Object["code"]?.GetValue<int>();
                    if (code == 410)
                    {
                        logger.LogInformation("{Kind}: resourceVersion {Version} is gone (410); listing again", kind.Kind, from);
                        ResourceVersion = null;
                        return;
                    }

                    throw new IOException($"watch error {code}: {e.Object["message"]?.GetValue<string>()}");
                default:
                    continue;
            }

            if (e.Object["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version)
            {
                ResourceVersion = version;
            }
        }
    }
}
