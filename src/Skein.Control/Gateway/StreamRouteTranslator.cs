using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Turns TCPRoute and TLSRoute rules into stream routes (hostnames are filled per listener).</summary>
public static class StreamRouteTranslator
{
    public static List<SkeinProto.StreamRoute> Translate(IReadOnlyList<L4RouteRule> rules, RouteInfo route, GatewayApiContext context, RouteProblems problems)
    {
        var result = new List<SkeinProto.StreamRoute>();
        foreach (var rule in rules)
        {
            var proto = new SkeinProto.StreamRoute { Route = route.FullName, Kind = route.Kind };
            foreach (var reference in rule.BackendRefs)
            {
                var resolution = BackendResolver.Resolve(reference, route, context, needsHttp: false);
                problems.Reference(resolution);
                proto.Backends.Add(new SkeinProto.WeightedBackend { Backend = resolution.Backend, Weight = (uint)reference.Weight });
            }

            result.Add(proto);
        }

        return result;
    }
}
