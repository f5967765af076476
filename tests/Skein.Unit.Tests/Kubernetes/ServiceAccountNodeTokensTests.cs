using Skein.Control;
using Skein.Control.Ca;
using Skein.Control.Sources.Kubernetes;

namespace Skein.Unit.Tests.Kubernetes;

public sealed class ServiceAccountNodeTokensTests
{
    private const string NodeProxy = "system:serviceaccount:skein-system:skein-node";

    [Fact]
    public async Task A_pod_bound_token_of_the_node_proxy_service_account_speaks_for_the_pods_node_and_is_cached()
    {
        var (api, tokens) = Create();
        api.Reviews["t"] = Review(NodeProxy, "node-7");

        Assert.Equal(("node-7", null), await tokens.ValidateAsync("t", CancellationToken.None));
        Assert.Equal(("node-7", null), await tokens.ValidateAsync("t", CancellationToken.None));
        Assert.Equal(1, api.ReviewCount);
    }

    [Fact]
    public async Task Tokens_of_other_service_accounts_unbound_tokens_and_unauthenticated_tokens_are_refused_with_the_reason()
    {
        var (api, tokens) = Create();
        api.Reviews["other"] = Review("system:serviceaccount:default:reviews", "node-7");
        api.Reviews["unbound"] = Review(NodeProxy, node: null);

        var (node, reason) = await tokens.ValidateAsync("other", CancellationToken.None);
        Assert.Null(node);
        Assert.Contains("is not the node proxies' ServiceAccount", reason, StringComparison.Ordinal);

        (node, reason) = await tokens.ValidateAsync("unbound", CancellationToken.None);
        Assert.Null(node);
        Assert.Contains(ServiceAccountNodeTokens.NodeNameExtra, reason, StringComparison.Ordinal);

        (node, reason) = await tokens.ValidateAsync("forged", CancellationToken.None);
        Assert.Null(node);
        Assert.Contains("did not authenticate", reason, StringComparison.Ordinal);
    }

    private static TokenReviewResult Review(string user, string? node) => new(true, user,
        node is null
            ? new Dictionary<string, IReadOnlyList<string>>()
            : new Dictionary<string, IReadOnlyList<string>> { [ServiceAccountNodeTokens.NodeNameExtra] = [node], ["authentication.kubernetes.io/pod-name"] = ["skein-node-abc"] },
        null);

    private static (FakeKubernetesApi Api, ServiceAccountNodeTokens Tokens) Create()
    {
        var api = new FakeKubernetesApi();
        return (api, new ServiceAccountNodeTokens(api, new ControlPlaneOptions { ConfigDirectory = "" }, TimeProvider.System));
    }
}
