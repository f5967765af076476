using Microsoft.AspNetCore.Http;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Observability;

/// <summary>Turns a finished request into an access log line and Istio HTTP metrics.</summary>
/// <remarks>
/// The access log record is today's connection-shaped one: method, path, status and protocol go in the
/// details until the telemetry work adds HTTP fields to <see cref="AccessLogRecord"/>.
/// </remarks>
public sealed class HttpRequestLog(ProxyOptions options, AccessLog accessLog, HttpMetrics metrics)
{
    public void Record(HttpContext context, RequestOutcome outcome, DateTimeOffset start, TimeSpan duration)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var gateway = outcome.Listener?.Gateway;
        var destination = outcome.Endpoint?.Workload;
        var destinationPrincipal = destination is null ? null : Identity.WorkloadIdentity.Of(destination, options.TrustDomain).ToString();
        var security = outcome.MutualTls ? "mutual_tls" : "none";
        var protocol = request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true ? "grpc" : "http";
        metrics.Record(HttpLabels.For(options.Role == "waypoint" ? "waypoint" : "source", gateway?.Proto.Name ?? options.Node, gateway?.Proto.Namespace ?? HttpLabels.Unknown,
            gateway?.Identity?.ToString(), destination, destinationPrincipal, outcome.Service, protocol, status, outcome.Flags, security), duration);

        accessLog.Write(new AccessLogRecord
        {
            Start = start,
            Direction = options.Role,
            Node = options.Node,
            ConnectionId = request.Headers["x-request-id"].ToString() is { Length: > 0 } id ? id : context.TraceIdentifier,
            SourceAddress = context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : null,
            SourceWorkload = gateway?.Proto.Name,
            SourceNamespace = gateway?.Proto.Namespace,
            SourcePrincipal = gateway?.Identity?.ToString(),
            DestinationWorkload = destination?.Name,
            DestinationNamespace = destination?.Namespace,
            DestinationPrincipal = outcome.MutualTls ? destinationPrincipal : null,
            DestinationService = outcome.Service?.Hostname,
            UpstreamHost = outcome.Endpoint?.Address.ToString(),
            Requested = $"{request.Host}{request.Path}",
            BytesReceived = request.ContentLength ?? 0,
            BytesSent = context.Response.ContentLength ?? 0,
            Duration = duration,
            Security = security,
            ResponseFlags = outcome.Flags,
            // A policy denial leads with Envoy's RBAC details so readers of the log (and the topology) see which policy refused it.
            Details = outcome.DeniedBy is { } deniedBy
                ? AccessLogRecord.ToDetails($"{AccessLogRecord.RbacDenied(deniedBy)} {request.Method} {request.Protocol} {status}")
                : AccessLogRecord.ToDetails($"{request.Method} {request.Protocol} {status} {outcome.Details}{(outcome.Route is null ? "" : $" route={outcome.Route}")}{(outcome.Attempts > 1 ? $" attempts={outcome.Attempts}" : "")}"),
            Policy = outcome.DeniedBy is null or "none" ? null : outcome.DeniedBy,
            FailedHop = outcome.Flags is "-" or "URX" && status < 500 ? null : $"{options.Role}/{options.Node}",
        });
    }
}
