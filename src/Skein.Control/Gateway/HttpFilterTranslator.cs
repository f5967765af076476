using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Maps HTTPRoute and GRPCRoute filters to the L7 proto; unsupported filters are reported, not dropped silently.</summary>
public static class HttpFilterTranslator
{
    public static IEnumerable<SkeinProto.HttpFilter> Translate(IEnumerable<HTTPRouteFilter> filters, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        foreach (var filter in filters)
        {
            var proto = filter.Type switch
            {
                HTTPRouteFilterType.RequestHeaderModifier when filter.RequestHeaderModifier is { } m => new SkeinProto.HttpFilter { RequestHeaderModifier = Headers(m) },
                HTTPRouteFilterType.ResponseHeaderModifier when filter.ResponseHeaderModifier is { } m => new SkeinProto.HttpFilter { ResponseHeaderModifier = Headers(m) },
                HTTPRouteFilterType.RequestRedirect when filter.RequestRedirect is { } r => new SkeinProto.HttpFilter { RequestRedirect = Redirect(r) },
                HTTPRouteFilterType.URLRewrite when filter.UrlRewrite is { } u => new SkeinProto.HttpFilter { UrlRewrite = Rewrite(u) },
                HTTPRouteFilterType.RequestMirror when filter.RequestMirror is { } m => new SkeinProto.HttpFilter { RequestMirror = Mirror(m, route, context, problems) },
                HTTPRouteFilterType.CORS when filter.Cors is { } c => new SkeinProto.HttpFilter { Cors = Cors(c) },
                _ => null,
            };
            if (proto is null)
            {
                problems.Unsupported($"filter {filter.Type} is not supported");
                continue;
            }

            yield return proto;
        }
    }

    public static IEnumerable<SkeinProto.HttpFilter> Translate(IEnumerable<GRPCRouteFilter> filters, RouteInfo route, GatewayApiContext context, RouteProblems problems) =>
        Translate(filters.Select(f => new HTTPRouteFilter
        {
            Type = f.Type switch
            {
                GRPCRouteFilterType.RequestHeaderModifier => HTTPRouteFilterType.RequestHeaderModifier,
                GRPCRouteFilterType.ResponseHeaderModifier => HTTPRouteFilterType.ResponseHeaderModifier,
                GRPCRouteFilterType.RequestMirror => HTTPRouteFilterType.RequestMirror,
                _ => HTTPRouteFilterType.ExtensionRef,
            },
            RequestHeaderModifier = f.RequestHeaderModifier,
            ResponseHeaderModifier = f.ResponseHeaderModifier,
            RequestMirror = f.RequestMirror,
            ExtensionRef = f.ExtensionRef,
        }), route, context, problems);

    private static SkeinProto.HeaderModifier Headers(HTTPHeaderFilter filter)
    {
        var proto = new SkeinProto.HeaderModifier();
        proto.Set.AddRange(filter.Set.Select(h => new SkeinProto.Header { Name = h.Name, Value = h.Value }));
        proto.Add.AddRange(filter.Add.Select(h => new SkeinProto.Header { Name = h.Name, Value = h.Value }));
        proto.Remove.AddRange(filter.Remove);
        return proto;
    }

    private static SkeinProto.RequestRedirect Redirect(HTTPRequestRedirectFilter redirect) => new()
    {
        Scheme = redirect.Scheme ?? "",
        Hostname = redirect.Hostname ?? "",
        Path = PathModifier(redirect.Path),
        Port = (uint)(redirect.Port ?? 0),
        StatusCode = (uint)redirect.StatusCode,
    };

    private static SkeinProto.UrlRewrite Rewrite(HTTPURLRewriteFilter rewrite) => new()
    {
        Hostname = rewrite.Hostname ?? "",
        Path = PathModifier(rewrite.Path),
    };

    private static SkeinProto.PathModifier? PathModifier(HTTPPathModifier? path) => path switch
    {
        null => null,
        { Type: HTTPPathModifierType.ReplaceFullPath } => new SkeinProto.PathModifier
        {
            Kind = SkeinProto.PathModifier.Types.Kind.ReplaceFullPath,
            Value = path.ReplaceFullPath ?? "/",
        },
        _ => new SkeinProto.PathModifier
        {
            Kind = SkeinProto.PathModifier.Types.Kind.ReplacePrefixMatch,
            Value = path.ReplacePrefixMatch ?? "/",
        },
    };

    private static SkeinProto.RequestMirror Mirror(HTTPRequestMirrorFilter mirror, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        var resolution = BackendResolver.Resolve(mirror.BackendRef, route, context, needsHttp: true);
        problems.Reference(resolution);
        var (numerator, denominator) = mirror switch
        {
            { Percent: { } percent } => (percent, 100),
            { Fraction: { } fraction } => (fraction.Numerator, fraction.Denominator),
            _ => (100, 100),
        };
        return new SkeinProto.RequestMirror { Backend = resolution.Backend, Numerator = (uint)numerator, Denominator = (uint)denominator };
    }

    private static SkeinProto.Cors Cors(HTTPCORSFilter cors)
    {
        var proto = new SkeinProto.Cors { AllowCredentials = cors.AllowCredentials ?? false, MaxAgeSeconds = (uint)Math.Max(0, cors.MaxAge) };
        proto.AllowOrigins.AddRange(cors.AllowOrigins);
        proto.AllowMethods.AddRange(cors.AllowMethods);
        proto.AllowHeaders.AddRange(cors.AllowHeaders);
        proto.ExposeHeaders.AddRange(cors.ExposeHeaders);
        return proto;
    }
}
