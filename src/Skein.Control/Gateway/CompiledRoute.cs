using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>A route translated once, independent of the listeners it attaches to, with its per-parent status.</summary>
public sealed class CompiledRoute
{
    private CompiledRoute(RouteInfo route, RouteProblems problems, List<HttpRouteEntry> httpEntries, List<SkeinProto.StreamRoute> streamRoutes)
    {
        Route = route;
        Problems = problems;
        HttpEntries = httpEntries;
        StreamRoutes = streamRoutes;
    }

    public RouteInfo Route { get; }

    public RouteProblems Problems { get; }

    public IReadOnlyList<HttpRouteEntry> HttpEntries { get; }

    public IReadOnlyList<SkeinProto.StreamRoute> StreamRoutes { get; }

    public List<RouteParentStatus> Parents { get; } = [];

    public static CompiledRoute Translate(RouteInfo route, GatewayApiContext context)
    {
        var problems = new RouteProblems();
        return route.Resource switch
        {
            HTTPRouteResource http => new CompiledRoute(route, problems, HttpRouteTranslator.Translate(http, route, context, problems), []),
            GRPCRouteResource grpc => new CompiledRoute(route, problems, GrpcRouteTranslator.Translate(grpc, route, context, problems), []),
            TCPRouteResource tcp => new CompiledRoute(route, problems, [], StreamRouteTranslator.Translate(tcp.Spec.Rules, route, context, problems)),
            TLSRouteResource tls => new CompiledRoute(route, problems, [], StreamRouteTranslator.Translate(tls.Spec.Rules, route, context, problems)),
            _ => new CompiledRoute(route, problems, [], []),
        };
    }
}
