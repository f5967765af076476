using Google.Protobuf.WellKnownTypes;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Flattens an HTTPRoute into one entry per rule match, with filters, backends, timeouts and retries.</summary>
public static class HttpRouteTranslator
{
    public static List<HttpRouteEntry> Translate(HTTPRouteResource resource, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        var entries = new List<HttpRouteEntry>();
        var rules = resource.Spec.Rules.Count > 0 ? resource.Spec.Rules : [new HTTPRouteRule()];
        for (var ruleIndex = 0; ruleIndex < rules.Count; ruleIndex++)
        {
            var rule = rules[ruleIndex];
            var filters = HttpFilterTranslator.Translate(rule.Filters, route, context, problems).ToList();
            var backends = rule.BackendRefs.Select(b => Backend(b, route, context, problems)).ToList();
            var matches = rule.Matches.Count > 0 ? rule.Matches : [new HTTPRouteMatch()];
            for (var matchIndex = 0; matchIndex < matches.Count; matchIndex++)
            {
                var match = matches[matchIndex];
                var entry = new SkeinProto.HttpRoute
                {
                    Route = route.FullName,
                    Kind = route.Kind,
                    RuleIndex = (uint)ruleIndex,
                    RuleName = rule.Name ?? "",
                    Match = Match(match),
                    RequestTimeout = Timeout(rule.Timeouts?.Request),
                    BackendRequestTimeout = Timeout(rule.Timeouts?.BackendRequest),
                    Retry = Retry(rule.Retry),
                };
                entry.Filters.AddRange(filters);
                entry.Backends.AddRange(backends);
                entries.Add(new HttpRouteEntry(entry, Precedence(match, route, ruleIndex, matchIndex)));
            }
        }

        return entries;
    }

    private static SkeinProto.WeightedBackend Backend(HTTPBackendRef reference, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        var resolution = BackendResolver.Resolve(reference, route, context, needsHttp: true);
        problems.Reference(resolution);
        var backend = new SkeinProto.WeightedBackend { Backend = resolution.Backend, Weight = (uint)reference.Weight };
        backend.Filters.AddRange(HttpFilterTranslator.Translate(reference.Filters, route, context, problems));
        return backend;
    }

    private static SkeinProto.HttpMatch Match(HTTPRouteMatch match)
    {
        var path = match.Path ?? new HTTPPathMatch();
        var proto = new SkeinProto.HttpMatch
        {
            Path = new SkeinProto.StringMatch
            {
                Kind = path.Type switch
                {
                    PathMatchType.Exact => SkeinProto.StringMatch.Types.Kind.Exact,
                    PathMatchType.RegularExpression => SkeinProto.StringMatch.Types.Kind.RegularExpression,
                    _ => SkeinProto.StringMatch.Types.Kind.Prefix,
                },
                Value = path.Value,
            },
            Method = match.Method is { } method ? method.ToString().ToUpperInvariant() : "",
        };
        proto.Headers.AddRange(match.Headers.Select(h => Header(h.Name, h.Value, h.Type == HeaderMatchType.RegularExpression)));
        proto.QueryParams.AddRange(match.QueryParams.Select(q => Header(q.Name, q.Value, q.Type == QueryParamMatchType.RegularExpression)));
        return proto;
    }

    public static SkeinProto.HeaderMatch Header(string name, string value, bool regex) => new()
    {
        Name = name,
        Value = new SkeinProto.StringMatch
        {
            Kind = regex ? SkeinProto.StringMatch.Types.Kind.RegularExpression : SkeinProto.StringMatch.Types.Kind.Exact,
            Value = value,
        },
    };

    private static RoutePrecedence Precedence(HTTPRouteMatch match, RouteInfo route, int ruleIndex, int matchIndex)
    {
        var path = match.Path ?? new HTTPPathMatch();
        var rank = path.Type switch
        {
            PathMatchType.Exact => RoutePrecedence.Exact,
            PathMatchType.RegularExpression => RoutePrecedence.RegularExpression,
            _ => RoutePrecedence.Prefix,
        };
        return new RoutePrecedence(rank, path.Value.Length, match.Method is not null, match.Headers.Count, match.QueryParams.Count,
            route.Created, route.FullName, ruleIndex, matchIndex);
    }

    /// <summary>A GEP-2257 duration; absent or "0s" means none (a zero Duration).</summary>
    public static Google.Protobuf.WellKnownTypes.Duration? Timeout(string? text) =>
        Skein.Core.Resources.Duration.TryParse(text, out var value) && value > TimeSpan.Zero
            ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(value)
            : null;

    private static SkeinProto.RetryPolicy? Retry(HTTPRouteRetry? retry)
    {
        if (retry is null)
        {
            return null;
        }

        // attempts counts retries; the proto counts tries. Without a number, one retry (the spec leaves the default to implementations).
        var proto = new SkeinProto.RetryPolicy { Attempts = (uint)(retry.Attempts ?? 1) + 1, Backoff = Timeout(retry.Backoff) };
        proto.Codes.AddRange(retry.Codes.Select(c => (uint)c));
        return proto;
    }
}
