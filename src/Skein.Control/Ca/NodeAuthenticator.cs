using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Skein.Control.Ca;

/// <summary>Authenticates a gRPC caller as a node from its <c>authorization: Bearer</c> token: a join token, or on Kubernetes a ServiceAccount token.</summary>
public sealed class NodeAuthenticator(JoinTokens tokens, ILogger<NodeAuthenticator> logger, ServiceAccountNodeTokens? serviceAccounts = null)
{
    public async Task<string> AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        var token = header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        var node = tokens.Validate(token);
        var reason = token is null ? "no bearer token" : "invalid join token";
        if (node is null && token is { Length: > 0 } && serviceAccounts is not null && !JoinTokens.LooksLikeJoinToken(token))
        {
            (node, var refused) = await serviceAccounts.ValidateAsync(token, context.CancellationToken);
            reason = refused ?? reason;
        }

        if (node is null)
        {
            logger.LogWarning("rejected a caller from {Peer}: {Reason}", context.Peer, reason);
            throw new RpcException(new Status(StatusCode.Unauthenticated, token is null ? "a node join token is required (authorization: Bearer ...)" : reason));
        }

        return node;
    }
}
