using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Skein.Control.Sources.Kubernetes;

namespace Skein.Control.Ca;

/// <summary>On Kubernetes, maps a node proxy's ServiceAccount token to the node it runs on, checked with TokenReview (DESIGN §5).</summary>
/// <remarks>
/// A token is accepted when TokenReview authenticates it for the audience <see cref="Audience"/>, its user is the
/// configured node-proxy ServiceAccount, and it is bound to a pod: the API server then reports that pod's node in the
/// extra claim <see cref="NodeNameExtra"/> (Kubernetes 1.30+), and that node is the caller's. A node proxy cannot name
/// its own node, so a stolen DaemonSet token only speaks for the node its pod was scheduled on, and dies with the pod.
/// Answers are cached briefly so every xDS stream and CSR does not cost an API call.
/// </remarks>
public sealed class ServiceAccountNodeTokens(IKubernetesApi api, ControlPlaneOptions options, TimeProvider time)
{
    /// <summary>The audience node proxies' projected tokens must carry, so tokens minted for other services are refused.</summary>
    public const string Audience = "skein";

    public const string NodeNameExtra = "authentication.kubernetes.io/node-name";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);
    private const int MaxCached = 1024;
    private readonly ConcurrentDictionary<string, (string Node, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>Returns the caller's node, or the reason the token is refused.</summary>
    public async Task<(string? Node, string? Reason)> ValidateAsync(string token, CancellationToken ct)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGetValue(key, out var cached) && cached.Until > time.GetUtcNow())
        {
            return (cached.Node, null);
        }

        TokenReviewResult review;
        try
        {
            review = await api.ReviewTokenAsync(token, Audience, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
        {
            return (null, $"TokenReview failed: {e.Message}");
        }

        if (!review.Authenticated)
        {
            return (null, $"TokenReview did not authenticate the token{(review.Error is { Length: > 0 } error ? $": {error}" : "")}");
        }

        var expected = $"system:serviceaccount:{options.NodeProxyServiceAccount.Replace('/', ':')}";
        if (!string.Equals(review.Username, expected, StringComparison.Ordinal))
        {
            return (null, $"{review.Username} is not the node proxies' ServiceAccount ({expected})");
        }

        if (!review.Extra.TryGetValue(NodeNameExtra, out var nodes) || nodes is not [{ Length: > 0 } node])
        {
            return (null, $"the token is not bound to a pod on a node (no {NodeNameExtra}): mount a projected ServiceAccount token with audience {Audience}");
        }

        var now = time.GetUtcNow();
        if (_cache.Count >= MaxCached)
        {
            // Projected tokens rotate (hourly by default): without pruning, every token ever seen would stay.
            foreach (var (stale, entry) in _cache)
            {
                if (entry.Until <= now)
                {
                    _cache.TryRemove(stale, out _);
                }
            }
        }

        _cache[key] = (node, now + CacheFor);
        return (node, null);
    }
}
