using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Observability;

/// <summary>Continues (or starts) a request's W3C trace at a gateway or waypoint: one server span per request, forwarded as the backend's parent.</summary>
/// <remarks>
/// The span is an <see cref="Activity"/> of <see cref="SourceName"/> when spans are exported (OpenTelemetry's
/// listener is attached by <see cref="TraceExporter"/>); otherwise the hop still takes a new span id so the
/// backend sees this proxy as its parent, and the trace id and sampled flag pass through unchanged.
/// </remarks>
public sealed class RequestTracer(TracingSettings settings)
{
    /// <summary>The ActivitySource of gateway and waypoint request spans.</summary>
    public const string SourceName = "Skein.Proxy";

    private static readonly ActivitySource Source = new(SourceName);

    public RequestSpan Start(HttpContext context, string? ns)
    {
        var headers = context.Request.Headers;
        var traceState = headers[HeaderNames.TraceState].ToString() is { Length: > 0 } state ? state : null;
        var incoming = TraceContext.TryParse(headers[HeaderNames.TraceParent].ToString(), out var parent);
        var sampled = incoming ? parent.Sampled : Random.Shared.NextDouble() * 100 < settings.SamplingPercentage(ns);
        Activity? activity = null;
        if (sampled && Source.HasListeners())
        {
            if (!incoming)
            {
                // Not under whatever Activity the host runs the request in: a request without traceparent starts a trace.
                Activity.Current = null;
            }

            activity = incoming
                ? Source.StartActivity($"{context.Request.Method}", ActivityKind.Server, parent.ToActivityContext(traceState))
                : Source.StartActivity($"{context.Request.Method}", ActivityKind.Server, default(ActivityContext));
            if (activity is not null && traceState is not null)
            {
                activity.TraceStateString = traceState;
            }
        }

        var span = activity is not null
            ? new TraceContext(activity.TraceId, activity.SpanId, activity.Recorded)
            : incoming ? parent.Child() : TraceContext.NewRoot(sampled);
        var result = new RequestSpan(span, incoming ? parent.SpanId : null, activity);
        context.Features.Set(result);
        return result;
    }
}

/// <summary>This hop's span of one request: what the backend is sent as its parent, and the exported span if any.</summary>
public sealed class RequestSpan(TraceContext context, ActivitySpanId? parentSpanId, Activity? activity)
{
    public TraceContext Context { get; } = context;

    /// <summary>The span id the request arrived with; null when this hop started the trace.</summary>
    public ActivitySpanId? ParentSpanId { get; } = parentSpanId;

    /// <summary>The <c>traceparent</c> sent to the backend: this hop's span.</summary>
    public string Traceparent => Context.ToTraceparent();

    /// <summary>Ends the span with the request's outcome (OpenTelemetry HTTP semantic conventions, plus Skein's flags).</summary>
    public void End(HttpContext context, RequestOutcome outcome, bool isError)
    {
        if (activity is null)
        {
            return;
        }

        var request = context.Request;
        if (outcome.Route is { } route)
        {
            activity.DisplayName = $"{request.Method} {route}";
            activity.SetTag("skein.route", route);
        }

        activity.SetTag("http.request.method", request.Method);
        activity.SetTag("url.path", request.Path.Value);
        activity.SetTag("server.address", request.Host.Host);
        activity.SetTag("network.protocol.version", request.Protocol);
        activity.SetTag("http.response.status_code", context.Response.StatusCode);
        activity.SetTag("client.address", context.Connection.RemoteIpAddress?.ToString());
        activity.SetTag("skein.response_flags", outcome.Flags);
        activity.SetTag("skein.request_id", request.Headers["x-request-id"].ToString());
        if (outcome.Service is { } service)
        {
            activity.SetTag("skein.destination_service", service.Hostname);
        }

        if (outcome.Endpoint is { } endpoint)
        {
            activity.SetTag("server.upstream", endpoint.Address.ToString());
            activity.SetTag("skein.destination_workload", endpoint.Workload?.Name);
        }

        if (isError)
        {
            activity.SetStatus(ActivityStatusCode.Error, outcome.Details);
        }

        activity.Stop();
        activity.Dispose();
    }
}
