using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>What attachment needs to know of any route kind: identity, parents, hostnames, age.</summary>
public sealed record RouteInfo(Resource Resource, string Kind, IReadOnlyList<ParentReference> ParentRefs, IReadOnlyList<string> Hostnames)
{
    public string Namespace => Resource.Key.Namespace;

    public string Name => Resource.Metadata.Name;

    /// <summary>"namespace/name", as the L7 resources name routes.</summary>
    public string FullName => $"{Namespace}/{Name}";

    /// <summary>Older routes win precedence ties; a route without a timestamp counts as oldest.</summary>
    public DateTimeOffset Created => Resource.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue;

    public static IEnumerable<RouteInfo> All(ConfigSnapshot snapshot)
    {
        foreach (var route in snapshot.OfType<HTTPRouteResource>())
        {
            yield return new RouteInfo(route, RouteKinds.HttpRoute, route.Spec.ParentRefs, route.Spec.Hostnames);
        }

        foreach (var route in snapshot.OfType<GRPCRouteResource>())
        {
            yield return new RouteInfo(route, RouteKinds.GrpcRoute, route.Spec.ParentRefs, route.Spec.Hostnames);
        }

        foreach (var route in snapshot.OfType<TCPRouteResource>())
        {
            yield return new RouteInfo(route, RouteKinds.TcpRoute, route.Spec.ParentRefs, []);
        }

        foreach (var route in snapshot.OfType<TLSRouteResource>())
        {
            yield return new RouteInfo(route, RouteKinds.TlsRoute, route.Spec.ParentRefs, route.Spec.Hostnames);
        }
    }
}
