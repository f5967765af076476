using System.Text.RegularExpressions;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Flattens a GRPCRoute into HTTP route entries: gRPC calls are HTTP/2 POSTs to <c>/&lt;service&gt;/&lt;method&gt;</c>.</summary>
public static class GrpcRouteTranslator
{
    public static List<HttpRouteEntry> Translate(GRPCRouteResource resource, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        var entries = new List<HttpRouteEntry>();
        var rules = resource.Spec.Rules.Count > 0 ? resource.Spec.Rules : [new GRPCRouteRule()];
        for (var ruleIndex = 0; ruleIndex < rules.Count; ruleIndex++)
        {
            var rule = rules[ruleIndex];
            var filters = HttpFilterTranslator.Translate(rule.Filters, route, context, problems).ToList();
            var backends = rule.BackendRefs.Select(b =>
            {
                var resolution = BackendResolver.Resolve(b, route, context, needsHttp: true);
                problems.Reference(resolution);
                var backend = new SkeinProto.WeightedBackend { Backend = resolution.Backend, Weight = (uint)b.Weight };
                backend.Filters.AddRange(HttpFilterTranslator.Translate(b.Filters, route, context, problems));
                return backend;
            }).ToList();
            var matches = rule.Matches.Count > 0 ? rule.Matches : [new GRPCRouteMatch()];
            for (var matchIndex = 0; matchIndex < matches.Count; matchIndex++)
            {
                var match = matches[matchIndex];
                var (path, rank) = Path(match.Method);
                var entry = new SkeinProto.HttpRoute
                {
                    Route = route.FullName,
                    Kind = route.Kind,
                    RuleIndex = (uint)ruleIndex,
                    RuleName = rule.Name ?? "",
                    Match = new SkeinProto.HttpMatch { Path = path },
                };
                entry.Match.Headers.AddRange(match.Headers.Select(h => HttpRouteTranslator.Header(h.Name, h.Value, h.Type == HeaderMatchType.RegularExpression)));
                entry.Filters.AddRange(filters);
                entry.Backends.AddRange(backends);
                var precedence = new RoutePrecedence(rank, SpecificityOf(match.Method), false, match.Headers.Count, 0, route.Created, route.FullName, ruleIndex, matchIndex);
                entries.Add(new HttpRouteEntry(entry, precedence));
            }
        }

        return entries;
    }

    /// <summary>
    /// GRPCRoute precedence counts the characters of the matched service first, then of the method
    /// (hostnames aside, which the proxy handles); this folds both into one length, service first.
    /// </summary>
    private static int SpecificityOf(GRPCMethodMatch? method) =>
        ((method?.Service?.Length ?? 0) * 2048) + (method?.Method?.Length ?? 0);

    /// <summary>
    /// The path predicate of a method match: exact for service and method, prefix for a service, regex
    /// otherwise. Every non-exact form ranks with prefixes so that the service and method lengths decide.
    /// </summary>
    public static (SkeinProto.StringMatch Path, int Rank) Path(GRPCMethodMatch? method)
    {
        var service = method?.Service;
        var name = method?.Method;
        if (method is null || (string.IsNullOrEmpty(service) && string.IsNullOrEmpty(name)))
        {
            return (new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.Prefix, Value = "/" }, RoutePrecedence.Prefix);
        }

        if (method.Type == GRPCMethodMatchType.RegularExpression)
        {
            var pattern = $"/{(string.IsNullOrEmpty(service) ? "[^/]+" : service)}/{(string.IsNullOrEmpty(name) ? "[^/]+" : name)}";
            return (new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.RegularExpression, Value = pattern }, RoutePrecedence.Prefix);
        }

        if (string.IsNullOrEmpty(name))
        {
            return (new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.Prefix, Value = $"/{service}/" }, RoutePrecedence.Prefix);
        }

        if (string.IsNullOrEmpty(service))
        {
            var pattern = $"/[^/]+/{Regex.Escape(name)}";
            return (new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.RegularExpression, Value = pattern }, RoutePrecedence.Prefix);
        }

        return (new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.Exact, Value = $"/{service}/{name}" }, RoutePrecedence.Exact);
    }
}
