using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Skein.Control.Sources.Kubernetes;

/// <summary><see cref="IKubernetesApi"/> over KubernetesClient's custom-object operations, which serve core kinds too (group "" maps to /api/v1).</summary>
/// <remarks>Objects stay untyped JSON: the source feeds them to the same loader as YAML files, so no typed model is needed.</remarks>
public sealed class KubernetesClientApi(IKubernetes client) : IKubernetesApi, IDisposable
{
    /// <summary>Servers end watches after this long and the source resumes from the last resourceVersion, so a half-dead connection cannot go unnoticed for long.</summary>
    private const int WatchTimeoutSeconds = 240;

    /// <summary>Connects with a kubeconfig file, or with the pod's in-cluster ServiceAccount when none is given.</summary>
    public static KubernetesClientApi Connect(string? kubeconfig)
    {
        try
        {
            var config = kubeconfig is null
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
            return new KubernetesClientApi(new k8s.Kubernetes(config));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException)
        {
            throw new InvalidOperationException(kubeconfig is null
                ? $"not running in a Kubernetes pod and no --kubeconfig given: {e.Message}"
                : $"cannot use kubeconfig {kubeconfig}: {e.Message}", e);
        }
    }

    public async Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)?> ListAsync(KubernetesKind kind, CancellationToken ct)
    {
        object body;
        try
        {
            body = await client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var list = ToObject(body);
        var items = list["items"] is JsonArray array ? array.OfType<JsonObject>().Select(i => (JsonObject)i.DeepClone()).ToList() : [];
        foreach (var item in items)
        {
            // List items of built-in kinds come without apiVersion and kind.
            item["apiVersion"] ??= kind.ApiVersion;
            item["kind"] ??= kind.Kind;
        }

        return (items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    public async IAsyncEnumerable<KubernetesWatchEvent> WatchAsync(KubernetesKind kind, string resourceVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        Exception? failure = null;
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            kind.Group, kind.Version, kind.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
            timeoutSeconds: WatchTimeoutSeconds, onError: e => failure ??= e, cancellationToken: ct);
        await using var enumerator = events.GetAsyncEnumerator(ct);
        while (true)
        {
            bool more;
            try
            {
                more = await enumerator.MoveNextAsync();
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                // Some servers refuse the watch request itself with 410 rather than sending an ERROR event.
                failure = new KubernetesException(new V1Status { Code = 410, Message = e.Message });
                break;
            }

            if (!more)
            {
                break;
            }

            var (type, body) = enumerator.Current;
            yield return new KubernetesWatchEvent(type.ToString().ToUpperInvariant(), ToObject(body));
        }

        if (failure is KubernetesException { Status.Code: 410 } gone)
        {
            // The client reports the server's ERROR event as an exception; hand it on as the event it was, so the informer relists.
            yield return new KubernetesWatchEvent("ERROR", new JsonObject { ["kind"] = "Status", ["code"] = 410, ["message"] = gone.Status.Message });
            yield break;
        }

        if (failure is not null)
        {
            throw new IOException($"watch of {kind.Plural} failed: {failure.Message}", failure);
        }
    }

    public async Task PatchStatusAsync(KubernetesKind kind, string? ns, string name, JsonNode status, CancellationToken ct)
    {
        var patch = new V1Patch(new JsonObject { ["status"] = status.DeepClone() }.ToJsonString(), V1Patch.PatchType.MergePatch);
        if (ns is null)
        {
            await client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, kind.Group, kind.Version, kind.Plural, name, cancellationToken: ct);
        }
        else
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, kind.Group, kind.Version, ns, kind.Plural, name, cancellationToken: ct);
        }
    }

    public async Task<TokenReviewResult> ReviewTokenAsync(string token, string audience, CancellationToken ct)
    {
        var review = await client.AuthenticationV1.CreateTokenReviewAsync(
            new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = [audience] } }, cancellationToken: ct);
        var status = review.Status;
        var extra = status?.User?.Extra?.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.ToList(), StringComparer.Ordinal)
            ?? new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        return new TokenReviewResult(status?.Authenticated == true, status?.User?.Username, extra, status?.Error);
    }

    public void Dispose() => client.Dispose();

    private static JsonObject ToObject(object body) => body switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText()) as JsonObject ?? [],
        JsonObject node => node,
        _ => JsonSerializer.SerializeToNode(body) as JsonObject ?? [],
    };
}
