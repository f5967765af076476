using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>HTTPRoute rules from the upstream CRD's CEL validations: paths, filter unions and combinations, backends, timeouts.</summary>
internal static class HTTPRouteValidator
{
    private const int MaxTotalMatches = 128;

    public static void Validate(HTTPRouteResource route, DocumentContext context)
    {
        var spec = route.Spec;
        RouteRules.ValidateParentRefs(spec.ParentRefs, context);
        RouteRules.ValidateRuleNames(spec.Rules.Select(r => r.Name), context);

        var totalMatches = spec.Rules.Sum(r => r.Matches.Count);
        if (totalMatches > MaxTotalMatches)
        {
            context.Error("spec.rules", $"too many matches: {totalMatches} across all rules, at most {MaxTotalMatches}");
        }

        for (var r = 0; r < spec.Rules.Count; r++)
        {
            ValidateRule(spec.Rules[r], FieldPath.Index("spec.rules", r), context);
        }
    }

    private static void ValidateRule(HTTPRouteRule rule, string path, DocumentContext context)
    {
        for (var m = 0; m < rule.Matches.Count; m++)
        {
            MatchRules.ValidateHttpMatch(rule.Matches[m], FieldPath.Index(FieldPath.Child(path, "matches"), m), context);
        }

        var filtersPath = FieldPath.Child(path, "filters");
        ValidateFilters(rule.Filters, filtersPath, rule, context);
        if (rule.BackendRefs.Count > 0 && rule.Filters.Any(f => f.Type == HTTPRouteFilterType.RequestRedirect))
        {
            context.Error(filtersPath, "a RequestRedirect filter must not be used together with backendRefs");
        }

        for (var b = 0; b < rule.BackendRefs.Count; b++)
        {
            var backendPath = FieldPath.Index(FieldPath.Child(path, "backendRefs"), b);
            RouteRules.ValidateBackendRef(rule.BackendRefs[b], backendPath, context);
            ValidateFilters(rule.BackendRefs[b].Filters, FieldPath.Child(backendPath, "filters"), rule, context);
        }

        if (rule.Timeouts is { } timeouts)
        {
            RouteRules.ValidateTimeoutOrder(timeouts.Request, timeouts.BackendRequest, FieldPath.Child(path, "timeouts"), context);
        }

        RouteRules.ValidateSessionPersistence(rule.SessionPersistence, FieldPath.Child(path, "sessionPersistence"), context);
    }

    private static void ValidateFilters(List<HTTPRouteFilter> filters, string path, HTTPRouteRule rule, DocumentContext context)
    {
        var single = new[]
        {
            HTTPRouteFilterType.RequestHeaderModifier, HTTPRouteFilterType.ResponseHeaderModifier,
            HTTPRouteFilterType.RequestRedirect, HTTPRouteFilterType.URLRewrite,
        };
        foreach (var type in single)
        {
            if (filters.Count(f => f.Type == type) > 1)
            {
                context.Error(path, $"the {type} filter cannot be repeated");
            }
        }

        if (filters.Any(f => f.Type == HTTPRouteFilterType.RequestRedirect) && filters.Any(f => f.Type == HTTPRouteFilterType.URLRewrite))
        {
            context.Error(path, "RequestRedirect and URLRewrite filters cannot be combined");
        }

        for (var i = 0; i < filters.Count; i++)
        {
            ValidateFilter(filters[i], FieldPath.Index(path, i), rule, context);
        }
    }

    private static void ValidateFilter(HTTPRouteFilter filter, string path, HTTPRouteRule rule, DocumentContext context)
    {
        HeaderFilterRules.ValidateUnion(
            filter.Type.ToString(),
            [
                ("requestHeaderModifier", nameof(HTTPRouteFilterType.RequestHeaderModifier), filter.RequestHeaderModifier is not null),
                ("responseHeaderModifier", nameof(HTTPRouteFilterType.ResponseHeaderModifier), filter.ResponseHeaderModifier is not null),
                ("requestMirror", nameof(HTTPRouteFilterType.RequestMirror), filter.RequestMirror is not null),
                ("requestRedirect", nameof(HTTPRouteFilterType.RequestRedirect), filter.RequestRedirect is not null),
                ("urlRewrite", nameof(HTTPRouteFilterType.URLRewrite), filter.UrlRewrite is not null),
                ("cors", nameof(HTTPRouteFilterType.CORS), filter.Cors is not null),
                ("externalAuth", nameof(HTTPRouteFilterType.ExternalAuth), filter.ExternalAuth is not null),
                ("extensionRef", nameof(HTTPRouteFilterType.ExtensionRef), filter.ExtensionRef is not null),
            ],
            path,
            context);

        if (filter.RequestHeaderModifier is { } request)
        {
            HeaderFilterRules.ValidateHeaderFilter(request, FieldPath.Child(path, "requestHeaderModifier"), context);
        }

        if (filter.ResponseHeaderModifier is { } response)
        {
            HeaderFilterRules.ValidateHeaderFilter(response, FieldPath.Child(path, "responseHeaderModifier"), context);
        }

        if (filter.RequestMirror is { } mirror)
        {
            HeaderFilterRules.ValidateMirror(mirror, FieldPath.Child(path, "requestMirror"), context);
        }

        if (filter.RequestRedirect?.Path is { } redirectPath)
        {
            ValidatePathModifier(redirectPath, FieldPath.Child(path, "requestRedirect.path"), rule, context);
        }

        if (filter.UrlRewrite?.Path is { } rewritePath)
        {
            ValidatePathModifier(rewritePath, FieldPath.Child(path, "urlRewrite.path"), rule, context);
        }

        if (filter.Cors is { } cors)
        {
            ValidateCors(cors, FieldPath.Child(path, "cors"), context);
        }

        if (filter.ExternalAuth is { } auth)
        {
            ValidateExternalAuth(auth, FieldPath.Child(path, "externalAuth"), context);
        }
    }

    private static void ValidatePathModifier(HTTPPathModifier modifier, string path, HTTPRouteRule rule, DocumentContext context)
    {
        HeaderFilterRules.ValidateUnion(
            modifier.Type.ToString(),
            [
                ("replaceFullPath", nameof(HTTPPathModifierType.ReplaceFullPath), modifier.ReplaceFullPath is not null),
                ("replacePrefixMatch", nameof(HTTPPathModifierType.ReplacePrefixMatch), modifier.ReplacePrefixMatch is not null),
            ],
            path,
            context);

        // An empty match list defaults to a single "/" prefix match, as the API server would default it.
        var onePrefixMatch = rule.Matches.Count == 0
            || (rule.Matches.Count == 1 && (rule.Matches[0].Path?.Type ?? PathMatchType.PathPrefix) == PathMatchType.PathPrefix);
        if (modifier.Type == HTTPPathModifierType.ReplacePrefixMatch && !onePrefixMatch)
        {
            context.Error(FieldPath.Child(path, "type"), "ReplacePrefixMatch needs the rule to have exactly one PathPrefix match");
        }
    }

    private static void ValidateCors(HTTPCORSFilter cors, string path, DocumentContext context)
    {
        if (cors.AllowOrigins.Contains("*") && cors.AllowOrigins.Count > 1)
        {
            context.Error(FieldPath.Child(path, "allowOrigins"), "\"*\" cannot be combined with other origins");
        }

        if (cors.AllowMethods.Contains("*") && cors.AllowMethods.Count > 1)
        {
            context.Error(FieldPath.Child(path, "allowMethods"), "\"*\" cannot be combined with other methods");
        }
    }

    private static void ValidateExternalAuth(HTTPExternalAuthFilter auth, string path, DocumentContext context)
    {
        RouteRules.ValidateBackendRef(auth.BackendRef, FieldPath.Child(path, "backendRef"), context);
        if (auth.Grpc is not null && auth.Protocol != ExternalAuthProtocol.GRPC)
        {
            context.Error(FieldPath.Child(path, "grpc"), "only allowed when protocol is GRPC");
        }

        if (auth.Http is not null && auth.Protocol != ExternalAuthProtocol.HTTP)
        {
            context.Error(FieldPath.Child(path, "http"), "only allowed when protocol is HTTP");
        }

        if (auth.Http?.Path is { Length: > 0 } authPath && MatchRules.PathProblem(authPath) is { } problem)
        {
            context.Error(FieldPath.Child(path, "http.path"), problem);
        }
    }
}
