using System.Text.Json.Nodes;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>One event of a watch: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (whose object is a Status).</summary>
public sealed record KubernetesWatchEvent(string Type, JsonObject Object);

/// <summary>What TokenReview said about a bearer token: who it is and the extra claims (bound pod, node).</summary>
public sealed record TokenReviewResult(bool Authenticated, string? Username, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra, string? Error);

/// <summary>The API server operations the source and the status writer use; a seam so the resume and relist logic is testable without a server.</summary>
public interface IKubernetesApi
{
    /// <summary>Lists every object of a kind across namespaces with the list's resourceVersion; null when the API server does not serve the kind (CRD not installed).</summary>
    Task<(IReadOnlyList<JsonObject> Items, string ResourceVersion)?> ListAsync(KubernetesKind kind, CancellationToken ct);

    /// <summary>Watches a kind from a resourceVersion (exclusive) with bookmarks, until the server ends the watch.</summary>
    IAsyncEnumerable<KubernetesWatchEvent> WatchAsync(KubernetesKind kind, string resourceVersion, CancellationToken ct);

    /// <summary>Replaces an object's status through the status subresource (JSON merge patch of <c>{"status": …}</c>).</summary>
    Task PatchStatusAsync(KubernetesKind kind, string? ns, string name, JsonNode status, CancellationToken ct);

    /// <summary>Asks the API server who a bearer token belongs to (TokenReview), for the given audience.</summary>
    Task<TokenReviewResult> ReviewTokenAsync(string token, string audience, CancellationToken ct);
}
