using Grpc.Core;

namespace Skein.Proxy.L7.LocalReplies;

/// <summary>The gRPC status a gRPC client is given for an HTTP status the proxy chose itself (gRPC's http-grpc-status-mapping).</summary>
/// <remarks>
/// The mapping is gRPC's own table for clients that receive an HTTP error instead of a gRPC status; Envoy applies the same
/// table to its local replies (a timeout is 504, so UNAVAILABLE rather than DEADLINE_EXCEEDED, which gRPC reserves for the
/// caller's own deadline). A local reply never means OK, so any other status, 2xx included, is UNKNOWN.
/// </remarks>
public static class GrpcStatusMapping
{
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
