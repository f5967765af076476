using System.Diagnostics;

namespace Skein.Proxy.L7.Observability;

/// <summary>A W3C trace context (<c>traceparent</c>) as a hop sees it: the trace, the span that sent it, and the sampled flag.</summary>
/// <remarks>Parsing is <see cref="ActivityContext.TryParse(string, string, bool, out ActivityContext)"/>'s (the W3C rules); this type adds the child/root steps a proxy takes.</remarks>
public readonly record struct TraceContext(ActivityTraceId TraceId, ActivitySpanId SpanId, bool Sampled)
{
    /// <summary>The incoming <c>traceparent</c>, when it is a valid W3C header.</summary>
    public static bool TryParse(string? traceparent, out TraceContext context)
    {
        if (!string.IsNullOrEmpty(traceparent) && ActivityContext.TryParse(traceparent, null, isRemote: true, out var parsed))
        {
            context = new TraceContext(parsed.TraceId, parsed.SpanId, (parsed.TraceFlags & ActivityTraceFlags.Recorded) != 0);
            return true;
        }

        context = default;
        return false;
    }

    /// <summary>A new trace (the request arrived without a usable traceparent).</summary>
    public static TraceContext NewRoot(bool sampled) => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), sampled);

    /// <summary>This hop's span in the same trace: a new span id, the same trace id and sampled flag.</summary>
    public TraceContext Child() => this with { SpanId = ActivitySpanId.CreateRandom() };

    /// <summary>The remote parent as an <see cref="ActivityContext"/>, for starting a span under it.</summary>
    public ActivityContext ToActivityContext(string? traceState) =>
        new(TraceId, SpanId, Sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, traceState, isRemote: true);

    /// <summary>The header value (version 00).</summary>
    public string ToTraceparent() => $"00-{TraceId.ToHexString()}-{SpanId.ToHexString()}-{(Sampled ? "01" : "00")}";
}
