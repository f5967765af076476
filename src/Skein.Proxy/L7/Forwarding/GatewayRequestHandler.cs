using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skein.Proxy.L7.Authorization;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.LocalReplies;
using Skein.Proxy.L7.Observability;
using Skein.Proxy.L7.Routing;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Entry point of every HTTP request a gateway or waypoint listener receives: select listener and route, run the pipeline, log and count.</summary>
public sealed class GatewayRequestHandler(
    L7ConfigStore store,
    ForwardingPipeline pipeline,
    HttpRequestLog log,
    RequestTracer tracer,
    ProxyStats stats,
    ILogger<GatewayRequestHandler> logger)
{
    private readonly Counter _requests = stats.Get("l7.downstream_rq_total");

    public Task HandleAsync(HttpContext context, IPEndPoint endPoint) =>
        HandleAsync(context, store.Current.Bindings.GetValueOrDefault(endPoint), endPoint.Port);

    /// <param name="context">The request.</param>
    /// <param name="binding">The listeners sharing the port the request came in on (null: nothing serves it any more).</param>
    /// <param name="port">The destination port (listener port, or the service port for a waypoint).</param>
    public async Task HandleAsync(HttpContext context, PortBinding? binding, int port)
    {
        var started = Stopwatch.GetTimestamp();
        var start = DateTimeOffset.UtcNow;
        var outcome = new RequestOutcome();
        if (!context.Request.Headers.ContainsKey("x-request-id"))
        {
            context.Request.Headers["x-request-id"] = RequestIds.New();
        }

        _requests.Add(1);
        RequestSpan? span = null;
        try
        {
            var host = HostnameMatcher.Normalize(context.Request.Host.Host);
            var listener = binding?.Select(host);
            outcome.Listener = listener;
            span = tracer.Start(context, listener?.Gateway.Proto.Namespace);
            var entry = listener?.Routes.Match(context.Request, host, port);
            if (listener is not null && Authorize(context, listener, port, outcome) is { Allowed: false } denial)
            {
                // Envoy's RBAC filter answer, before any route runs.
                stats.Increment("l7.rbac_denied");
                outcome.DeniedBy = denial.Policy ?? "none";
                // The client is told Envoy's text, not which policy refused it; the access log names the policy.
                LocalReply.Send(context, outcome, StatusCodes.Status403Forbidden, "-", AccessLogRecord.RbacDenied(outcome.DeniedBy), "RBAC: access denied");
            }
            else if (listener is not null && binding!.Kind == BindingKind.Https && IsMisdirected(context, binding, listener))
            {
                // The connection's TLS was set up for another listener's hostname (connection reuse across hosts): RFC 9110 §15.5.20.
                LocalReply.Send(context, outcome, StatusCodes.Status421MisdirectedRequest, "-", "misdirected_request");
            }
            else if (listener is null || entry is null)
            {
                LocalReply.Send(context, outcome, StatusCodes.Status404NotFound, "NR", listener is null ? "no_listener_for_host" : "route_not_found");
            }
            else
            {
                outcome.Route = entry.Name;
                await pipeline.ExecuteAsync(context, listener, entry, port, outcome);
            }

            await LocalReply.CompleteAsync(context, outcome);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            outcome.Flags = "DC";
            outcome.Details = "downstream_remote_disconnect";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Malformed traffic or a bug in one request never takes the listener down: answer 500 if still possible.
            logger.LogError(e, "request {Method} {Host}{Path} failed", context.Request.Method, context.Request.Host, context.Request.Path);
            LocalReply.Send(context, outcome, StatusCodes.Status500InternalServerError, "-", "internal_error");
            // No plain body here (the response may be half set up), but a gRPC client still gets a status it can read.
            LocalReply.TryCompleteAsGrpc(context, outcome);
        }
        finally
        {
            var record = log.Record(context, outcome, start, Stopwatch.GetElapsedTime(started));
            span?.End(context, outcome, record.IsError);
        }
    }

    /// <summary>Per-request AuthorizationPolicy: the Gateway's own policies and, at a waypoint, the governed service's.</summary>
    private RequestDecision? Authorize(HttpContext context, ListenerRuntime listener, int port, RequestOutcome outcome)
    {
        var forGateway = listener.Gateway.Proto.AuthorizationPolicies;
        var forListener = listener.Proto.AuthorizationPolicies;
        if (forGateway.Count + forListener.Count == 0)
        {
            return null;
        }

        // At an ingress gateway the client is outside the mesh: no identity, so principal and namespace rules never match.
        var peer = context.Features.Get<PeerIdentityFeature>()?.Identity;
        var decision = RequestAuthorizer.Evaluate([.. forGateway, .. forListener], RequestAttributes.From(context, peer, port));
        if (decision.Audited.Count > 0)
        {
            logger.LogInformation("audit: {Method} {Host}{Path} from {Peer} on {Listener} matched {Policies}", context.Request.Method,
                context.Request.Host, context.Request.Path, peer?.ToString() ?? context.Connection.RemoteIpAddress?.ToString(), listener.Name, string.Join(", ", decision.Audited));
        }

        if (!decision.Allowed)
        {
            logger.LogInformation("RBAC 403 {Method} {Host}{Path} on {Listener}: {Reason}", context.Request.Method, context.Request.Host, context.Request.Path, listener.Name, decision.Reason);
            outcome.Listener = listener;
        }

        return decision;
    }

    private static bool IsMisdirected(HttpContext context, PortBinding binding, ListenerRuntime listener)
    {
        var handshake = context.Features.Get<Listeners.ServerNameFeature>();
        // A listener that validates client certificates takes only connections whose handshake applied its validation:
        // without SNI (or with an unknown one) the handshake falls back to another listener's settings. Compared by
        // value, so connections made before a config push that kept the same validation go on.
        if (listener.ClientValidation is { } required && !Equals(handshake?.Validation?.Proto, required.Proto))
        {
            return true;
        }

        return handshake?.HostName is { Length: > 0 } sni &&
            binding.Select(HostnameMatcher.Normalize(sni)) is { } bySni && !ReferenceEquals(bySni, listener);
    }
}
