using System.Net;
using Google.Protobuf;
using Skein.Control.Store;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Compiles the Gateway API resources of a snapshot into L7 resources for Skein's gateways and waypoints, and their status.</summary>
/// <remarks>
/// The control plane does all of the Gateway API's judging here (attachment, allowedRoutes, hostname
/// intersection, ReferenceGrants, precedence) so proxies only match and forward. Status is a pure function
/// of the snapshot: it is kept in the result and shown by the API, never written back into resources.
/// Not thread-safe: <see cref="Compiler.MeshCompiler"/> calls it under its lock, once per snapshot.
/// </remarks>
public sealed class GatewayApiCompiler(ControlPlaneOptions options)
{
    private readonly GatewayAddressAllocator _allocator = new(options.GatewayAddressPool);
    private readonly TransitionTimes _transitions = new();

    /// <summary>Whether this host can bind an address (replaceable in tests).</summary>
    public Func<IPAddress, bool> IsLocalAddress { get; init; } = RequestedAddresses.IsLocal;

    public GatewayApiResult Compile(ConfigSnapshot snapshot)
    {
        // metav1.Time has second precision.
        var clock = DateTimeOffset.UtcNow;
        var now = new DateTimeOffset(clock.Ticks - (clock.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var context = new GatewayApiContext(snapshot, options.TrustDomain, now);
        var classes = new GatewayClassRegistry(snapshot.OfType<GatewayClassResource>());
        var statuses = new Dictionary<ResourceKey, object>();
        var builtIns = classes.BuiltInWithoutResource().ToList<Resource>();
        foreach (var gatewayClass in classes.Owned.Concat(builtIns.Cast<GatewayClassResource>()))
        {
            statuses[gatewayClass.Key] = ClassStatus(gatewayClass, now);
        }

        var gateways = BuildGateways(snapshot, classes, context);
        var listenerSets = ListenerSetMerger.Merge(snapshot, gateways, context);
        var routes = AttachRoutes(snapshot, gateways, listenerSets, context);
        var waypoints = new WaypointCompiler(context, gateways.Values.Where(g => g.Role == GatewayApiNames.WaypointRole));
        waypoints.AttachServiceRoutes(routes);
        foreach (var route in routes.Values.Where(r => r.Parents.Count > 0))
        {
            statuses[route.Route.Resource.Key] = new RouteStatus { Parents = route.Parents };
        }

        foreach (var listenerSet in listenerSets.Values)
        {
            statuses[listenerSet.Resource.Key] = ListenerSetStatuses.Of(listenerSet, now);
        }

        foreach (var (key, status) in context.BackendTls.Statuses(routes, gateways, now))
        {
            statuses[key] = status;
        }

        var policies = new TrafficPolicies(snapshot.OfType<TrafficPolicyResource>());
        var compiled = new List<CompiledGateway>();
        foreach (var state in gateways.Values)
        {
            statuses[state.Resource.Key] = GatewayStatusOf(state, listenerSets.Values.Where(l => l.Accepted && ReferenceEquals(l.Parent, state)), now);
            var proto = ToProto(state, routes, context);
            if (state.Role == GatewayApiNames.WaypointRole && state.Programmed)
            {
                waypoints.AddServiceListeners(state, proto, routes);
            }

            GatewayAuthorization.Attach(state, proto, context);
            policies.Apply(proto);

            compiled.Add(new CompiledGateway(state.Resource, state.Role, state.Node, state.Addresses, proto));
        }

        _transitions.Carry(statuses);
        var byState = compiled.ToDictionary(c => c.Resource.Key);
        return new GatewayApiResult(compiled, statuses, builtIns)
        {
            ServiceWaypoints = waypoints.ServiceWaypoints.ToDictionary(p => p.Key, p => byState[p.Value.Resource.Key]),
            WorkloadWaypoints = waypoints.WorkloadWaypoints.ToDictionary(p => p.Key, p => byState[p.Value.Resource.Key]),
        };
    }

    private Dictionary<ResourceKey, GatewayState> BuildGateways(ConfigSnapshot snapshot, GatewayClassRegistry classes, GatewayApiContext context)
    {
        var ours = snapshot.OfType<GatewayResource>()
            .Select(g => (Gateway: g, Role: classes.RoleOf(g.Spec.GatewayClassName)))
            .Where(p => p.Role is not null)
            .ToList();
        var requested = ours.ToDictionary(p => p.Gateway.Key, p => RequestedAddresses.Judge(p.Gateway, IsLocalAddress));
        // Requested addresses and workload addresses are never handed out again (a pool may overlap a node's block).
        var taken = requested.Values.SelectMany(r => r.Usable)
            .Concat(snapshot.OfType<WorkloadResource>().SelectMany(w => w.Spec.Addresses).Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>());
        var allocated = _allocator.Allocate(
            ours.Where(p => requested[p.Gateway.Key].WantsAllocation).Select(p => $"{p.Gateway.Key.Namespace}/{p.Gateway.Metadata.Name}"),
            taken);

        var states = new Dictionary<ResourceKey, GatewayState>();
        foreach (var (gateway, role) in ours)
        {
            var request = requested[gateway.Key];
            var addresses = request.Usable.ToList();
            if (request.WantsAllocation && allocated.TryGetValue($"{gateway.Key.Namespace}/{gateway.Metadata.Name}", out var address))
            {
                addresses.Add(address);
            }

            var node = gateway.Metadata.Annotations.GetValueOrDefault(GatewayApiNames.NodeAnnotation) is { Length: > 0 } annotated
                ? annotated
                : GatewayApiNames.DefaultNode(role!);
            var listeners = ListenerBuilder.Build(gateway, role == GatewayApiNames.WaypointRole, context);
            states[gateway.Key] = new GatewayState(gateway, role!, node, addresses, request, listeners)
            {
                BackendClientCertificate = BackendClientCertificate.Resolve(gateway, context),
            };
        }

        return states;
    }

    private static Dictionary<RouteInfo, CompiledRoute> AttachRoutes(
        ConfigSnapshot snapshot,
        Dictionary<ResourceKey, GatewayState> gateways,
        Dictionary<ResourceKey, ListenerSetState> listenerSets,
        GatewayApiContext context)
    {
        var allGateways = snapshot.OfType<GatewayResource>().ToDictionary(g => g.Key);
        var allListenerSets = snapshot.OfType<ListenerSetResource>().Select(l => l.Key).ToHashSet();
        var result = new Dictionary<RouteInfo, CompiledRoute>();
        foreach (var route in RouteInfo.All(snapshot))
        {
            var compiled = CompiledRoute.Translate(route, context);
            result[route] = compiled;
            var conditions = StatusConditions.For(route.Resource, context.Now);
            foreach (var parent in route.ParentRefs.Where(p => IsGatewayRef(p) || IsListenerSetRef(p)))
            {
                AttachmentResult attachment;
                if (IsListenerSetRef(parent))
                {
                    var key = new ResourceKey("ListenerSet", parent.Namespace ?? route.Namespace, parent.Name);
                    if (!allListenerSets.Contains(key))
                    {
                        attachment = new AttachmentResult([], "NoMatchingParent", $"ListenerSet {key.Namespace}/{key.Name} does not exist");
                    }
                    else if (!listenerSets.TryGetValue(key, out var listenerSet))
                    {
                        continue; // a ListenerSet of another controller's Gateway
                    }
                    else if (!listenerSet.Accepted)
                    {
                        attachment = new AttachmentResult([], "NoMatchingParent", $"ListenerSet {key.Namespace}/{key.Name} is not accepted ({listenerSet.AcceptedReason})");
                    }
                    else
                    {
                        attachment = RouteAttachment.Attach(route, parent, listenerSet.Owner, listenerSet.Listeners, context.Namespaces);
                    }
                }
                else
                {
                    var key = new ResourceKey("Gateway", parent.Namespace ?? route.Namespace, parent.Name);
                    if (!allGateways.ContainsKey(key))
                    {
                        attachment = new AttachmentResult([], "NoMatchingParent", $"Gateway {key.Namespace}/{key.Name} does not exist");
                    }
                    else if (!gateways.TryGetValue(key, out var gateway))
                    {
                        continue; // another controller's Gateway: its status is not ours to write
                    }
                    else if (!gateway.Accepted)
                    {
                        attachment = new AttachmentResult([], "NoMatchingParent", $"Gateway {key.Namespace}/{key.Name} is not accepted");
                    }
                    else
                    {
                        // Only the Gateway's own listeners: a ListenerSet's are reached through the ListenerSet.
                        attachment = RouteAttachment.Attach(route, parent, ListenerOwner.Of(gateway.Resource), gateway.Listeners, context.Namespaces);
                    }
                }

                var accepted = attachment.Accepted && compiled.Problems.UnsupportedMessage is null;
                if (accepted)
                {
                    foreach (var (listener, hostnames) in attachment.Listeners)
                    {
                        if (!listener.Routes.Any(r => ReferenceEquals(r.Route, route)))
                        {
                            listener.Routes.Add(new AttachedRoute(route, hostnames));
                        }
                    }
                }

                var acceptedCondition = (accepted, compiled.Problems.UnsupportedMessage) switch
                {
                    (true, _) => conditions.True("Accepted", "Accepted"),
                    (false, { } unsupported) when attachment.Accepted => conditions.False("Accepted", "UnsupportedValue", unsupported),
                    _ => conditions.False("Accepted", attachment.Reason, attachment.Message),
                };
                compiled.Parents.Add(ParentStatus(parent, conditions, acceptedCondition, compiled.Problems));
            }
        }

        return result;
    }

    /// <summary>One parent's status: Accepted as judged, ResolvedRefs from the route's references.</summary>
    public static RouteParentStatus ParentStatus(ParentReference parent, StatusConditions conditions, Skein.Core.Resources.StatusCondition accepted, RouteProblems problems) => new()
    {
        ParentRef = parent,
        ControllerName = GatewayApiNames.ControllerName,
        Conditions =
        [
            accepted,
            problems.ResolvedRefsReason is { } reason
                ? conditions.False("ResolvedRefs", reason, problems.ResolvedRefsMessage)
                : conditions.True("ResolvedRefs", "ResolvedRefs"),
        ],
    };

    private static bool IsGatewayRef(ParentReference parent) =>
        parent.Kind == "Gateway" && parent.Group is ApiVersions.GatewayGroup or "";

    private static bool IsListenerSetRef(ParentReference parent) =>
        parent.Kind == "ListenerSet" && parent.Group == ApiVersions.GatewayGroup;

    private SkeinProto.Gateway ToProto(GatewayState state, Dictionary<RouteInfo, CompiledRoute> routes, GatewayApiContext context)
    {
        var gateway = state.Resource;
        var proto = new SkeinProto.Gateway
        {
            Namespace = gateway.Key.Namespace,
            Name = gateway.Metadata.Name,
            GatewayClass = gateway.Spec.GatewayClassName,
            Identity = $"spiffe://{context.TrustDomain}/ns/{gateway.Key.Namespace}/sa/{gateway.Metadata.Name}",
        };
        proto.Addresses.AddRange(state.Addresses.Select(a => ByteString.CopyFrom(a.GetAddressBytes())));
        proto.BackendClientCertificate = state.BackendClientCertificate.Certificate;
        if (!state.Programmed)
        {
            return proto;
        }

        foreach (var listener in state.Listeners.Where(l => l.Programmed && l.Spec.Protocol != "HBONE"))
        {
            proto.Listeners.Add(ListenerProto(listener, routes));
        }

        // ListenerSets' listeners follow the Gateway's own, in precedence order; the proxy binds them on the
        // Gateway's addresses like any other listener.
        foreach (var listener in state.ListenerSets.SelectMany(l => l.Listeners).Where(ListenerSetState.IsValid))
        {
            proto.Listeners.Add(ListenerProto(listener, routes));
        }

        return proto;
    }

    /// <summary>A programmed listener with its attached routes: HTTP entries in precedence order, stream routes by age.</summary>
    public static SkeinProto.Listener ListenerProto(ListenerState listener, IReadOnlyDictionary<RouteInfo, CompiledRoute> routes)
    {
        var proto = new SkeinProto.Listener
        {
            Name = listener.ProtoName,
            Port = (uint)listener.Spec.Port,
            Protocol = listener.Spec.Protocol switch
            {
                "HTTPS" => SkeinProto.ListenerProtocol.Https,
                "TLS" => SkeinProto.ListenerProtocol.Tls,
                "TCP" => SkeinProto.ListenerProtocol.Tcp,
                "HBONE" => SkeinProto.ListenerProtocol.Hbone,
                _ => SkeinProto.ListenerProtocol.Http,
            },
            Hostname = listener.Spec.Hostname ?? "",
        };
        proto.Certificates.AddRange(listener.Certificates);
        proto.ClientValidation = listener.ClientValidation;
        var attached = listener.Routes.OrderBy(r => r.Route.Created).ThenBy(r => r.Route.FullName, StringComparer.Ordinal).ToList();
        proto.HttpRoutes.AddRange(attached
            .SelectMany(r => routes[r.Route].HttpEntries.Select(e => (Entry: e, r.Hostnames)))
            .OrderBy(p => p.Entry.Precedence)
            .Select(p =>
            {
                var entry = p.Entry.Entry.Clone();
                entry.Hostnames.AddRange(p.Hostnames);
                return entry;
            }));
        proto.StreamRoutes.AddRange(attached.SelectMany(r => routes[r.Route].StreamRoutes.Select(s =>
        {
            var stream = s.Clone();
            stream.Hostnames.AddRange(r.Hostnames);
            return stream;
        })));
        return proto;
    }

    private static GatewayClassStatus ClassStatus(GatewayClassResource gatewayClass, DateTimeOffset now)
    {
        var conditions = StatusConditions.For(gatewayClass, now);
        return new GatewayClassStatus
        {
            Conditions =
            [
                conditions.True("Accepted", "Accepted", "Skein implements this class"),
                conditions.True("SupportedVersion", "SupportedVersion", "Gateway API v1"),
            ],
        };
    }

    private static GatewayStatus GatewayStatusOf(GatewayState state, IEnumerable<ListenerSetState> attachedSets, DateTimeOffset now)
    {
        var conditions = StatusConditions.For(state.Resource, now);
        var status = new GatewayStatus
        {
            Addresses = state.Addresses.Select(a => new GatewayStatusAddress { Type = "IPAddress", Value = a.ToString() }).ToList(),
        };
        status.Conditions.Add(conditions.Make("Accepted", state.Accepted, state.AcceptedReason, state.AcceptedMessage));
        status.Conditions.Add(state.Programmed
            ? conditions.True("Programmed", "Programmed", $"served by {state.Role} proxies on node {state.Node}")
            : conditions.False("Programmed", state.ProgrammedReason, state.ProgrammedMessage));
        // A ListenerSet's HTTPS listener on a port the Gateway's own listeners do not use still takes the Gateway's
        // validation for that port, so it can be the one that falls back.
        if (FrontendValidation.UsesInsecureFallback(state.Resource)
            || attachedSets.SelectMany(l => l.Listeners).Any(l => l.Accepted && l.ClientValidation is { AllowInsecureFallback: true }))
        {
            status.Conditions.Add(conditions.True("InsecureFrontendValidationMode", "ConfigurationChanged",
                "an HTTPS listener accepts clients without a valid certificate (AllowInsecureFallback)"));
        }
        if (state.Resource.Spec.Tls?.Backend?.ClientCertificateRef is not null)
        {
            var client = state.BackendClientCertificate;
            status.Conditions.Add(client.Reason is { } reason
                ? conditions.False("ResolvedRefs", reason, client.Message)
                : conditions.True("ResolvedRefs", "ResolvedRefs"));
        }

        foreach (var listener in state.Listeners)
        {
            status.Listeners.Add(new ListenerStatus
            {
                Name = listener.Spec.Name,
                SupportedKinds = listener.SupportedKinds.Select(RouteKinds.ToGroupKind).ToList(),
                AttachedRoutes = listener.Routes.Count,
                Conditions =
                [
                    conditions.Make("Accepted", listener.Accepted, listener.AcceptedReason, listener.AcceptedMessage),
                    listener.Programmed && state.Programmed
                        ? conditions.True("Programmed", "Programmed")
                        : conditions.False("Programmed", "Invalid", "the listener is not served; see its other conditions"),
                    conditions.Make("ResolvedRefs", listener.ResolvedRefs, listener.ResolvedRefsReason, listener.ResolvedRefsMessage),
                    listener.ConflictReason is { } conflict
                        ? conditions.True("Conflicted", conflict, listener.ConflictMessage)
                        : conditions.False("Conflicted", "NoConflicts", ""),
                ],
            });
        }

        ListenerSetStatuses.AddAttached(status, state, conditions);

        return status;
    }
}
