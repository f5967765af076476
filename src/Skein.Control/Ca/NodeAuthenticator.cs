using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Skein.Control.Ca;

/// <summary>Authenticates a gRPC caller as a node from its <c>authorization: Bearer</c> join token.</summary>
public sealed class NodeAuthenticator(JoinTokens tokens, ILogger<NodeAuthenticator> logger)
{
    public string Authenticate(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        var token = header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        var node = tokens.Validate(token);
        if (node is null)
        {
            logger.LogWarning("rejected a caller from {Peer}: {Reason}", context.Peer, token is null ? "no bearer token" : "invalid join token");
            throw new RpcException(new Status(StatusCode.Unauthenticated, token is null ? "a node join token is required (authorization: Bearer ...)" : "invalid join token"));
        }

        return node;
    }
}
