using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Skein.Control.Sources.Kubernetes;

namespace Skein.Unit.Tests.Kubernetes;

/// <summary>An in-memory API for the informer: scripted lists and watches, recording what was asked.</summary>
internal sealed class FakeKubernetesApi : IKubernetesApi
{
    public Queue<Func<(IReadOnlyList<JsonObject>, string)?>> Lists { get; } = new();

    /// <summary>Each watch call takes the next script: events to deliver, then how the watch ends.</summary>
    public Queue<(KubernetesWatchEvent[] Events, Exception? Failure)> Watches { get; } = new();

    public List<string> Calls { get; } = [];

    /// <summary>Signalled on every call, so a test can wait for the informer to reach a step.</summary>
    public Channel<string> CallLog { get; } = Channel.CreateUnbounded<string>();

    public Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)?> ListAsync(KubernetesKind kind, CancellationToken ct)
    {
        Record("list");
        return Task.FromResult(Lists.TryDequeue(out var next) ? next() : throw new IOException("connection refused"));
    }

    public async IAsyncEnumerable<KubernetesWatchEvent> WatchAsync(KubernetesKind kind, string resourceVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        Record($"watch@{resourceVersion}");
        if (!Watches.TryDequeue(out var script))
        {
            await Task.Delay(Timeout.Infinite, ct); // nothing more scripted: hang like an idle watch
            yield break;
        }

        foreach (var e in script.Events)
        {
            yield return e;
        }

        if (script.Failure is not null)
        {
            throw script.Failure;
        }
    }

    public Task PatchStatusAsync(KubernetesKind kind, string? ns, string name, JsonNode status, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Token → what TokenReview answers; unknown tokens are not authenticated.</summary>
    public Dictionary<string, TokenReviewResult> Reviews { get; } = new(StringComparer.Ordinal);

    public int ReviewCount { get; private set; }

    public Task<TokenReviewResult> ReviewTokenAsync(string token, string audience, CancellationToken ct)
    {
        ReviewCount++;
        return Task.FromResult(Reviews.GetValueOrDefault(token) ?? new TokenReviewResult(false, null, new Dictionary<string, IReadOnlyList<string>>(), "invalid bearer token"));
    }

    public static KubernetesWatchEvent Event(string type, string name, string resourceVersion, string action = "ALLOW") => new(type, Policy(name, resourceVersion, action));

    public static JsonObject Policy(string name, string resourceVersion, string action = "ALLOW") => new()
    {
        ["apiVersion"] = "skein.dev/v1alpha1",
        ["kind"] = "AuthorizationPolicy",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["resourceVersion"] = resourceVersion },
        ["spec"] = new JsonObject { ["action"] = action },
    };

    private void Record(string call)
    {
        lock (Calls)
        {
            Calls.Add(call);
        }

        CallLog.Writer.TryWrite(call);
    }
}
