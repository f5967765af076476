using System.Text.RegularExpressions;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>GRPCRoute rules: method matches, filter unions, Service backends.</summary>
internal static partial class GRPCRouteValidator
{
    public static void Validate(GRPCRouteResource route, DocumentContext context)
    {
        var spec = route.Spec;
        RouteRules.ValidateParentRefs(spec.ParentRefs, context);
        RouteRules.ValidateRuleNames(spec.Rules.Select(r => r.Name), context);
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            var rule = spec.Rules[r];
            var path = FieldPath.Index("spec.rules", r);
            for (var m = 0; m < rule.Matches.Count; m++)
            {
                var matchPath = FieldPath.Index(FieldPath.Child(path, "matches"), m);
                if (rule.Matches[m].Method is { } method)
                {
                    ValidateMethod(method, FieldPath.Child(matchPath, "method"), context);
                }

                MatchRules.ValidateNamedMatches(rule.Matches[m].Headers.Select(h => (h.Name, h.Type == HeaderMatchType.RegularExpression, h.Value)).ToList(), FieldPath.Child(matchPath, "headers"), context);
            }

            ValidateFilters(rule.Filters, FieldPath.Child(path, "filters"), context);
            for (var b = 0; b < rule.BackendRefs.Count; b++)
            {
                var backendPath = FieldPath.Index(FieldPath.Child(path, "backendRefs"), b);
                RouteRules.ValidateBackendRef(rule.BackendRefs[b], backendPath, context);
                ValidateFilters(rule.BackendRefs[b].Filters, FieldPath.Child(backendPath, "filters"), context);
            }

            RouteRules.ValidateSessionPersistence(rule.SessionPersistence, FieldPath.Child(path, "sessionPersistence"), context);
        }
    }

    private static void ValidateMethod(GRPCMethodMatch method, string path, DocumentContext context)
    {
        if (method.Type == GRPCMethodMatchType.Exact)
        {
            if (method.Service is null && method.Method is null)
            {
                context.Error(path, "service or method must be set");
            }

            if (method.Service is { } service && !ServiceName().IsMatch(service))
            {
                context.Error(FieldPath.Child(path, "service"), $"{YamlScalars.Quote(service)} is not a valid gRPC service name (e.g. \"foo.bar.Baz\")");
            }

            if (method.Method is { } name && !MethodName().IsMatch(name))
            {
                context.Error(FieldPath.Child(path, "method"), $"{YamlScalars.Quote(name)} is not a valid gRPC method name");
            }

            return;
        }

        foreach (var (field, value) in new[] { ("service", method.Service), ("method", method.Method) })
        {
            if (value is not null && MatchRules.RegexProblem(value) is { } problem)
            {
                context.Error(FieldPath.Child(path, field), problem);
            }
        }
    }

    private static void ValidateFilters(List<GRPCRouteFilter> filters, string path, DocumentContext context)
    {
        foreach (var type in new[] { GRPCRouteFilterType.RequestHeaderModifier, GRPCRouteFilterType.ResponseHeaderModifier })
        {
            if (filters.Count(f => f.Type == type) > 1)
            {
                context.Error(path, $"the {type} filter cannot be repeated");
            }
        }

        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            var filterPath = FieldPath.Index(path, i);
            HeaderFilterRules.ValidateUnion(
                filter.Type.ToString(),
                [
                    ("requestHeaderModifier", nameof(GRPCRouteFilterType.RequestHeaderModifier), filter.RequestHeaderModifier is not null),
                    ("responseHeaderModifier", nameof(GRPCRouteFilterType.ResponseHeaderModifier), filter.ResponseHeaderModifier is not null),
                    ("requestMirror", nameof(GRPCRouteFilterType.RequestMirror), filter.RequestMirror is not null),
                    ("extensionRef", nameof(GRPCRouteFilterType.ExtensionRef), filter.ExtensionRef is not null),
                ],
                filterPath,
                context);
            if (filter.RequestHeaderModifier is { } request)
            {
                HeaderFilterRules.ValidateHeaderFilter(request, FieldPath.Child(filterPath, "requestHeaderModifier"), context);
            }

            if (filter.ResponseHeaderModifier is { } response)
            {
                HeaderFilterRules.ValidateHeaderFilter(response, FieldPath.Child(filterPath, "responseHeaderModifier"), context);
            }

            if (filter.RequestMirror is { } mirror)
            {
                HeaderFilterRules.ValidateMirror(mirror, FieldPath.Child(filterPath, "requestMirror"), context);
            }
        }
    }

    [GeneratedRegex(@"^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z_0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MethodName();
}
