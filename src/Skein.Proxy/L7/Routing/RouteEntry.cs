using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Filters;

namespace Skein.Proxy.L7.Routing;

/// <summary>One compiled route entry (one match of one rule): matcher, filters, backends, timeouts, retries.</summary>
public sealed class RouteEntry
{
    public RouteEntry(HttpRoute proto)
    {
        Proto = proto;
        Matcher = new RequestMatcher(proto.Match);
        Filters = new FilterSet(proto.Filters);
        Backends = [.. proto.Backends.Select(b => new BackendEntry(b))];
        RequestTimeout = Positive(proto.RequestTimeout?.ToTimeSpan());
        BackendRequestTimeout = Positive(proto.BackendRequestTimeout?.ToTimeSpan());
        RetryOn = proto.Retry is { Codes.Count: > 0 } retry ? retry.Codes.Select(c => (int)c).ToHashSet() : null;
        Name = $"{(proto.Kind.Length > 0 ? proto.Kind : "HTTPRoute")} {proto.Route} rule {proto.RuleIndex}";
    }

    public HttpRoute Proto { get; }

    public RequestMatcher Matcher { get; }

    public FilterSet Filters { get; }

    public IReadOnlyList<BackendEntry> Backends { get; }

    public TimeSpan? RequestTimeout { get; }

    public TimeSpan? BackendRequestTimeout { get; }

    /// <summary>Status codes that trigger a retry (connection errors always do); null when the rule names none.</summary>
    public HashSet<int>? RetryOn { get; }

    /// <summary>"HTTPRoute ns/name rule N", for logs.</summary>
    public string Name { get; }

    private static TimeSpan? Positive(TimeSpan? t) => t is { } v && v > TimeSpan.Zero ? v : null;
}

/// <summary>A weighted backendRef of a rule, with its own filters.</summary>
public sealed class BackendEntry(WeightedBackend proto)
{
    public BackendRef Ref { get; } = proto.Backend ?? new BackendRef();

    public uint Weight { get; } = proto.Weight;

    public FilterSet Filters { get; } = new(proto.Filters);
}
