using Skein.Core.Naming;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Waypoints and mesh (GAMMA) routing: which Services and Workloads use which waypoint, and the routes whose parent is a Service.</summary>
/// <remarks>
/// A Service or Workload labelled <c>skein.dev/use-waypoint: &lt;gateway&gt;</c>, or a Service in a Namespace
/// so labelled, uses that waypoint Gateway of its own namespace (the value <c>none</c> opts out of a namespace's
/// waypoint). Each waypoint gets one HBONE listener per port of each Service using it, carrying the HTTPRoutes
/// and GRPCRoutes whose parentRef is that Service, or a default route to the Service itself when there are none.
/// </remarks>
public sealed class WaypointCompiler
{
    private const string OptOut = "none";

    private readonly GatewayApiContext _context;
    private readonly Dictionary<ResourceKey, List<(RouteInfo Route, int? Port)>> _routesByService = [];

    public WaypointCompiler(GatewayApiContext context, IEnumerable<GatewayState> waypoints)
    {
        _context = context;
        var usable = waypoints.Where(w => w.Programmed).ToDictionary(w => (w.Resource.Key.Namespace, w.Resource.Metadata.Name));

        foreach (var service in context.Services.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            var name = service.Metadata.Labels.GetValueOrDefault(GatewayApiNames.UseWaypointLabel)
                ?? context.Namespaces.Find(service.Key.Namespace)?.Metadata.Labels.GetValueOrDefault(GatewayApiNames.UseWaypointLabel);
            if (name is not null && name != OptOut && usable.TryGetValue((service.Key.Namespace, name), out var waypoint))
            {
                ServiceWaypoints[service.Key] = waypoint;
            }
        }

        foreach (var workload in context.Snapshot.OfType<WorkloadResource>())
        {
            if (workload.Metadata.Labels.GetValueOrDefault(GatewayApiNames.UseWaypointLabel) is { } name && name != OptOut
                && usable.TryGetValue((workload.Key.Namespace, name), out var waypoint))
            {
                WorkloadWaypoints[workload.Key] = waypoint;
            }
        }
    }

    /// <summary>The waypoint each Service uses.</summary>
    public Dictionary<ResourceKey, GatewayState> ServiceWaypoints { get; } = [];

    /// <summary>The waypoint each explicitly labelled Workload uses.</summary>
    public Dictionary<ResourceKey, GatewayState> WorkloadWaypoints { get; } = [];

    /// <summary>Judges the parentRefs that are Services and records each accepted route against its Service.</summary>
    public void AttachServiceRoutes(IReadOnlyDictionary<RouteInfo, CompiledRoute> routes)
    {
        foreach (var (route, compiled) in routes)
        {
            var conditions = StatusConditions.For(route.Resource, _context.Now);
            foreach (var parent in route.ParentRefs.Where(p => p.Kind == "Service" && p.Group is ""))
            {
                var ns = parent.Namespace ?? route.Namespace;
                var (reason, message) = Judge(route, parent, ns, compiled.Problems);
                if (reason is null)
                {
                    var key = new ResourceKey("Service", ns, parent.Name);
                    if (!_routesByService.TryGetValue(key, out var list))
                    {
                        _routesByService[key] = list = [];
                    }

                    list.Add((route, parent.Port));
                }

                compiled.Parents.Add(GatewayApiCompiler.ParentStatus(parent, conditions,
                    reason is null ? conditions.True("Accepted", "Accepted") : conditions.False("Accepted", reason, message), compiled.Problems));
            }
        }
    }

    private (string? Reason, string Message) Judge(RouteInfo route, ParentReference parent, string ns, RouteProblems problems)
    {
        if (route.Kind is not (RouteKinds.HttpRoute or RouteKinds.GrpcRoute))
        {
            return ("UnsupportedValue", $"{route.Kind}s with a Service parent are not supported; use HTTPRoute or GRPCRoute");
        }

        if (ns != route.Namespace)
        {
            return ("UnsupportedValue", "routes for a Service in another namespace (consumer routes) are not supported");
        }

        if (_context.FindService(ns, parent.Name) is not { } service)
        {
            return ("NoMatchingParent", $"Service {ns}/{parent.Name} does not exist");
        }

        if (parent.Port is { } port && service.Spec.Ports.All(p => p.Port != port))
        {
            return ("NoMatchingParent", $"Service {ns}/{parent.Name} has no port {port}");
        }

        if (!ServiceWaypoints.ContainsKey(service.Key))
        {
            return ("NoMatchingParent", $"Service {ns}/{parent.Name} uses no waypoint (label it, or its namespace, {GatewayApiNames.UseWaypointLabel}: <waypoint Gateway>)");
        }

        return problems.UnsupportedMessage is { } unsupported ? ("UnsupportedValue", unsupported) : (null, "");
    }

    /// <summary>Adds a waypoint's per-service listeners: HTTP ports get the Service's routes, other ports forward as TCP.</summary>
    public void AddServiceListeners(GatewayState waypoint, SkeinProto.Gateway proto, IReadOnlyDictionary<RouteInfo, CompiledRoute> routes)
    {
        foreach (var (key, _) in ServiceWaypoints.Where(p => ReferenceEquals(p.Value, waypoint)).OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            var service = _context.FindService(key.Namespace, key.Name)!;
            var serviceName = $"{key.Namespace}/{MeshName.Hostname(key.Name, key.Namespace)}";
            var attached = _routesByService.GetValueOrDefault(key) ?? [];
            foreach (var port in service.Spec.Ports)
            {
                var listener = new SkeinProto.Listener
                {
                    Name = $"{key.Name}.{key.Namespace}:{port.Port}",
                    Port = (uint)port.Port,
                    Protocol = SkeinProto.ListenerProtocol.Hbone,
                    Service = serviceName,
                };
                var itself = new SkeinProto.WeightedBackend
                {
                    Backend = new SkeinProto.BackendRef { Service = serviceName, Port = (uint)port.Port, AppProtocol = BackendResolver.MapAppProtocol(port.AppProtocol, grpc: false) ?? "" },
                    Weight = 1,
                };
                if (!ServicePortProtocol.IsHttp(port))
                {
                    listener.StreamRoutes.Add(new SkeinProto.StreamRoute { Route = $"{key.Namespace}/{key.Name}", Kind = "Service", Backends = { itself } });
                    proto.Listeners.Add(listener);
                    continue;
                }

                var entries = attached
                    .Where(a => a.Port is null || a.Port == port.Port)
                    .SelectMany(a => routes[a.Route].HttpEntries.Select(e => (Entry: e, a.Port)))
                    .OrderBy(p => p.Entry.Precedence)
                    .Select(p =>
                    {
                        var entry = p.Entry.Entry.Clone();
                        entry.Match.Port = (uint)(p.Port ?? 0);
                        return entry;
                    })
                    .ToList();
                if (entries.Count == 0)
                {
                    entries.Add(new SkeinProto.HttpRoute
                    {
                        Route = $"{key.Namespace}/{key.Name}",
                        Kind = "Service",
                        Match = new SkeinProto.HttpMatch { Path = new SkeinProto.StringMatch { Kind = SkeinProto.StringMatch.Types.Kind.Prefix, Value = "/" } },
                        Backends = { itself },
                    });
                }

                listener.HttpRoutes.AddRange(entries);
                proto.Listeners.Add(listener);
            }
        }
    }
}
