using Microsoft.AspNetCore.Http;
using Skein.Proxy.L7.Forwarding;

namespace Skein.Proxy.L7.LocalReplies;

/// <summary>The one writer of the answers a gateway or waypoint makes itself (no route, no healthy upstream, timeouts, denials, faults, limits).</summary>
/// <remarks>
/// A plain HTTP request gets the chosen status with the reason as a short text body. A gRPC request gets gRPC's
/// Trailers-Only form instead, as Envoy answers them: HTTP 200, <c>content-type: application/grpc</c>, the mapped
/// <c>grpc-status</c> and a <c>grpc-message</c> naming the response flags and the reason, no body; a gRPC client then
/// sees an RpcException that says what failed rather than "Bad gRPC response. HTTP status code: 503". Whether the
/// request is gRPC is looked at only here, so requests the upstream answers pay nothing for it.
/// </remarks>
public static class LocalReply
{
    private const string PlainText = "text/plain; charset=utf-8";

    /// <summary>Records a local answer: status, response flags, details for the access log, and the reason the client is told (the details unless given).</summary>
    public static void Send(HttpContext context, RequestOutcome outcome, int status, string flags, string details, string? reason = null)
    {
        outcome.Flags = flags;
        outcome.Details = details;
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = PlainText;
        outcome.LocalStatus = status;
        outcome.LocalReason = reason ?? details;
    }

    /// <summary>Writes the local answer recorded by <see cref="Send"/>, if any, once the request's pipeline is done (final flags known).</summary>
    public static Task CompleteAsync(HttpContext context, RequestOutcome outcome)
    {
        if (outcome.LocalReason is not { } reason || context.Response.HasStarted || TryCompleteAsGrpc(context, outcome))
        {
            return Task.CompletedTask;
        }

        return context.Response.WriteAsync(reason + "\n", context.RequestAborted);
    }

    /// <summary>For a gRPC request, turns the recorded local answer into a Trailers-Only response; false for any other request.</summary>
    public static bool TryCompleteAsGrpc(HttpContext context, RequestOutcome outcome)
    {
        if (outcome.LocalReason is not { } reason || context.Response.HasStarted || !IsGrpc(context.Request.ContentType))
        {
            return false;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)GrpcStatusMapping.FromHttpStatus(outcome.LocalStatus)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = GrpcMessageEncoding.Encode(GrpcMessage(outcome.Flags, reason));
        return true;
    }

    /// <summary>What a gRPC client reads as the status message: the response flags (when there are any) and the reason.</summary>
    public static string GrpcMessage(string flags, string reason) => flags == "-" ? reason : $"{flags}: {reason}";

    /// <summary>Whether a request content type is gRPC's (<c>application/grpc</c>, <c>application/grpc+proto</c>, ...); gRPC-Web is not: its clients read HTTP statuses.</summary>
    public static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) &&
        (contentType.Length == "application/grpc".Length || contentType["application/grpc".Length] is '+' or ';');
}
