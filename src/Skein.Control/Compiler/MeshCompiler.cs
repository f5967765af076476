using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Skein.Control.Gateway;
using Skein.Control.Store;
using Skein.Core.Naming;
using Skein.Core.Resources;
using Skein.Core.Xds;
using Proto = Skein.Core.Protos.Workload;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Compiler;

/// <summary>Turns a config snapshot into the xDS resources each proxy needs.</summary>
/// <remarks>
/// Addresses (every Workload and Service) are mesh-wide, as ztunnel expects, and compiled once per
/// snapshot; upstreams are scoped to the node whose workloads declared them.
/// </remarks>
public sealed class MeshCompiler(ControlPlaneOptions options, ILogger<MeshCompiler>? logger = null, Federation.FederatedBundles? federation = null)
{
    private readonly Lock _gate = new();
    private readonly GatewayApiCompiler _gatewayApi = new(options);
    private CompiledMesh? _cached;
    private GatewayApiResult _lastGatewayApi = GatewayApiResult.Empty;

    /// <summary>The view of a node proxy.</summary>
    public ProxyView Compile(ConfigSnapshot snapshot, string node) => Compile(snapshot, node, "node");

    /// <summary>
    /// The view of a proxy of a role on a node: node proxies get their node's upstreams; gateway and waypoint
    /// proxies get the Gateways of their role placed on their node. All get the mesh-wide addresses and policies.
    /// </summary>
    public ProxyView Compile(ConfigSnapshot snapshot, string node, string role)
    {
        var mesh = GetMesh(snapshot);
        var byType = new Dictionary<string, IReadOnlyDictionary<string, XdsResource>>
        {
            [TypeUrls.Address] = mesh.Addresses,
            [TypeUrls.Authorization] = mesh.Authorizations,
            [TypeUrls.WorkloadMtls] = mesh.Mtls,
            [TypeUrls.Telemetry] = mesh.Telemetry,
            [TypeUrls.TrustBundle] = federation?.Resources ?? new Dictionary<string, XdsResource>(),
        };
        if (role is GatewayApiNames.GatewayRole or GatewayApiNames.WaypointRole)
        {
            byType[TypeUrls.Gateway] = mesh.GatewaysByPlacement.TryGetValue((role, node), out var gateways) ? gateways : new Dictionary<string, XdsResource>();
        }
        else
        {
            byType[TypeUrls.Upstream] = mesh.UpstreamsByNode.TryGetValue(node, out var forNode) ? forNode : new Dictionary<string, XdsResource>();
        }

        return new ProxyView(byType);
    }

    /// <summary>The Gateway API compilation of a snapshot (Gateways, placement, status), cached with the mesh.</summary>
    public GatewayApiResult GatewayApi(ConfigSnapshot snapshot) => GetMesh(snapshot).GatewayApi;

    /// <summary>Stable identifier of a Workload resource, in Istio's cluster/group/kind/namespace/name form.</summary>
    public static string WorkloadUid(WorkloadResource w) => $"embedded/skein.dev/Workload/{w.Metadata.Namespace}/{w.Metadata.Name}";

    private CompiledMesh GetMesh(ConfigSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_cached is { } cached && cached.Version == snapshot.Version && ReferenceEquals(cached.Snapshot, snapshot.Resources))
            {
                return cached;
            }

            _cached = Build(snapshot);
            return _cached;
        }
    }

    private CompiledMesh Build(ConfigSnapshot snapshot)
    {
        var services = snapshot.OfType<ServiceResource>().ToList();
        var workloads = snapshot.OfType<WorkloadResource>().ToList();
        var policies = snapshot.OfType<AuthorizationPolicyResource>().ToList();
        var peerAuthentications = snapshot.OfType<PeerAuthenticationResource>().ToList();
        var mtls = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
        var vips = ServiceVipAllocator.Allocate(services);
        var authorizations = policies
            .Select(p => (Name: AuthorizationCompiler.NameOf(p), Policy: p))
            .ToDictionary(x => x.Name, x => XdsResource.Create(x.Name, AuthorizationCompiler.Compile(x.Policy)), StringComparer.Ordinal);
        var selectorScoped = policies.Where(AuthorizationCompiler.IsSelectorScoped).ToList();
        var addresses = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
        var gatewayApi = CompileGatewayApi(snapshot);
        var outsideMesh = DataplaneMode.OutsideMeshTest(snapshot.Resources.Values);
        var peerGateways = PeerNetworkGateways(snapshot);
        var trafficPolicies = new TrafficPolicies(snapshot.OfType<TrafficPolicyResource>());

        foreach (var service in services)
        {
            var proto = ToProto(service, vips[service.Key]);
            ApplyLoadBalancer(proto, trafficPolicies.For($"{proto.Namespace}/{proto.Hostname}")?.Spec.LoadBalancer);
            if (gatewayApi.ServiceWaypoints.TryGetValue(service.Key, out var serviceWaypoint))
            {
                proto.Waypoint = WaypointAddress(serviceWaypoint);
            }

            addresses[$"{proto.Namespace}/{proto.Hostname}"] = XdsResource.Create($"{proto.Namespace}/{proto.Hostname}", new Proto.Address { Service = proto });
        }

        var upstreamsByNode = new Dictionary<string, Dictionary<string, XdsResource>>(StringComparer.Ordinal);
        foreach (var workload in workloads)
        {
            var outside = outsideMesh(workload);
            var proto = ToProto(workload, services);
            proto.TunnelProtocol = outside ? Proto.TunnelProtocol.None : Proto.TunnelProtocol.Hbone;
            // No proxy serves a workload outside the mesh: nothing to redirect to a waypoint at its end, no localhost upstreams.
            if (!outside && gatewayApi.WorkloadWaypoints.TryGetValue(workload.Key, out var workloadWaypoint))
            {
                proto.Waypoint = WaypointAddress(workloadWaypoint);
            }

            // A federated peer's workload behind its network gateway: proxies tunnel to it through the gateway (double HBONE).
            if (workload.Spec.TrustDomain is { } peerDomain && peerGateways.TryGetValue(peerDomain, out var peerGateway))
            {
                proto.NetworkGateway = peerGateway;
            }

            if (!outside && NetworkGatewayLabel.IsSet(workload))
            {
                proto.Extensions.Add(new Proto.Extension { Name = NetworkGatewayLabel.ExtensionName });
            }

            proto.AuthorizationPolicies.AddRange(selectorScoped
                .Where(p => AuthorizationCompiler.AppliesTo(p, workload, services))
                .Select(AuthorizationCompiler.NameOf));
            addresses[proto.Uid] = XdsResource.Create(proto.Uid, new Proto.Address { Workload = proto });
            mtls[proto.Uid] = XdsResource.Create(proto.Uid, PeerAuthenticationCompiler.Resolve(workload, peerAuthentications, proto.Uid));

            if (!upstreamsByNode.TryGetValue(workload.Spec.Node, out var nodeUpstreams))
            {
                upstreamsByNode[workload.Spec.Node] = nodeUpstreams = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
            }

            foreach (var upstream in outside ? Enumerable.Empty<WorkloadUpstream>() : workload.Spec.Upstreams)
            {
                var name = $"{workload.Metadata.Namespace}/{workload.Metadata.Name}/{upstream.LocalPort}";
                nodeUpstreams[name] = XdsResource.Create(name, ToProto(workload, upstream));
            }
        }

        foreach (var waypoint in gatewayApi.Gateways.Where(g => g.Role == GatewayApiNames.WaypointRole && g.Addresses.Count > 0))
        {
            var proto = WaypointWorkload(waypoint);
            addresses[proto.Uid] = XdsResource.Create(proto.Uid, new Proto.Address { Workload = proto });
        }

        var gatewaysByPlacement = gatewayApi.Gateways
            .GroupBy(g => (g.Role, g.Node))
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, XdsResource>)g.ToDictionary(x => x.Name, x => x.ToXds(), StringComparer.Ordinal));

        return new CompiledMesh(snapshot.Version, snapshot.Resources, addresses, authorizations, mtls,
            upstreamsByNode.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, XdsResource>)p.Value, StringComparer.Ordinal),
            gatewayApi, gatewaysByPlacement, TelemetryCompiler.Compile(snapshot));
    }

    /// <summary>
    /// The Gateway API compilation, or the last good one if it fails: a defect there must neither stop node
    /// proxies from getting their config nor make gateways drop what they serve.
    /// </summary>
    private GatewayApiResult CompileGatewayApi(ConfigSnapshot snapshot)
    {
        try
        {
            return _lastGatewayApi = _gatewayApi.Compile(snapshot);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger?.LogError(e, "compiling the Gateway API resources of config version {Version} failed; gateways keep the previous config", snapshot.Version);
            return _lastGatewayApi;
        }
    }

    /// <summary>
    /// A Service's endpoint choice for every proxy: locality preference (Skein's default, unless the TrafficPolicy turns it off)
    /// as Istio's <c>load_balancing</c> (FAILOVER over region, zone, subzone: what ztunnel reads too), and an algorithm other
    /// than P2C over peak EWMA as a Skein extension.
    /// </summary>
    private static void ApplyLoadBalancer(Proto.Service proto, LoadBalancerSettings? settings)
    {
        if (settings?.LocalityPreference != false)
        {
            proto.LoadBalancing = new Proto.LoadBalancing
            {
                Mode = Proto.LoadBalancing.Types.Mode.Failover,
                RoutingPreference = { Proto.LoadBalancing.Types.Scope.Region, Proto.LoadBalancing.Types.Scope.Zone, Proto.LoadBalancing.Types.Scope.Subzone },
            };
        }

        if (settings is { Type: not LoadBalancerType.P2cEwma } chosen)
        {
            var algorithm = chosen.Type switch
            {
                LoadBalancerType.RoundRobin => SkeinProto.ServiceLoadBalancer.Types.Algorithm.RoundRobin,
                LoadBalancerType.Random => SkeinProto.ServiceLoadBalancer.Types.Algorithm.Random,
                _ => SkeinProto.ServiceLoadBalancer.Types.Algorithm.LeastRequest,
            };
            proto.Extensions.Add(new Proto.Extension
            {
                Name = "skein.dev/load-balancer",
                Config = Google.Protobuf.WellKnownTypes.Any.Pack(new SkeinProto.ServiceLoadBalancer { Algorithm = algorithm }),
            });
        }
    }

    /// <summary>The network gateway of each federated peer trust domain that has one (the first MeshFederation by name wins a tie).</summary>
    private Dictionary<string, Proto.GatewayAddress> PeerNetworkGateways(ConfigSnapshot snapshot)
    {
        var gateways = new Dictionary<string, Proto.GatewayAddress>(StringComparer.Ordinal);
        foreach (var federation in snapshot.OfType<MeshFederationResource>().OrderBy(f => f.Key.ToString(), StringComparer.Ordinal))
        {
            if (federation.Spec.NetworkGateway is not { } gateway || federation.Spec.TrustDomain == options.TrustDomain)
            {
                continue;
            }

            var address = new Proto.GatewayAddress { HboneMtlsPort = (uint)gateway.Port };
            if (IPAddress.TryParse(gateway.Address, out var ip))
            {
                address.Address = new Proto.NetworkAddress { Address = ByteString.CopyFrom(ip.GetAddressBytes()) };
            }
            else
            {
                address.Hostname = new Proto.NamespacedHostname { Hostname = gateway.Address };
            }

            gateways.TryAdd(federation.Spec.TrustDomain, address);
        }

        return gateways;
    }

    /// <summary>Where node proxies send traffic for a destination that uses a waypoint: its address, HBONE port.</summary>
    private static Proto.GatewayAddress WaypointAddress(CompiledGateway waypoint) => new()
    {
        Address = new Proto.NetworkAddress { Address = ByteString.CopyFrom(waypoint.Addresses[0].GetAddressBytes()) },
        HboneMtlsPort = GatewayApiNames.HbonePort,
    };

    /// <summary>A waypoint as a workload, so proxies know the identity behind its address (it accepts HBONE only).</summary>
    private Proto.Workload WaypointWorkload(CompiledGateway waypoint)
    {
        var ns = waypoint.Namespace;
        var name = waypoint.Resource.Metadata.Name;
        var proto = new Proto.Workload
        {
            Uid = $"embedded/gateway.networking.k8s.io/Gateway/{ns}/{name}",
            Name = name,
            Namespace = ns,
            TunnelProtocol = Proto.TunnelProtocol.Hbone,
            TrustDomain = options.TrustDomain,
            ServiceAccount = name,
            Node = waypoint.Node,
            CanonicalName = name,
            CanonicalRevision = "latest",
            WorkloadName = name,
            WorkloadType = Proto.WorkloadType.Deployment,
            Status = Proto.WorkloadStatus.Healthy,
            ClusterId = "embedded",
        };
        proto.Addresses.AddRange(waypoint.Addresses.Select(a => ByteString.CopyFrom(a.GetAddressBytes())));
        return proto;
    }

    private static Proto.Service ToProto(ServiceResource service, IPAddress vip)
    {
        var ns = service.Metadata.Namespace ?? "default";
        var proto = new Proto.Service
        {
            Name = service.Metadata.Name,
            Namespace = ns,
            Hostname = MeshName.Hostname(service.Metadata.Name, ns),
        };
        proto.Addresses.Add(new Proto.NetworkAddress { Address = ByteString.CopyFrom(vip.GetAddressBytes()) });
        foreach (var port in service.Spec.Ports)
        {
            proto.Ports.Add(new Proto.Port { ServicePort = (uint)port.Port, TargetPort = (uint)(port.TargetPort?.Number ?? 0) });
        }

        return proto;
    }

    private Proto.Workload ToProto(WorkloadResource workload, IReadOnlyList<ServiceResource> services)
    {
        var labels = workload.Metadata.Labels;
        var ns = workload.Metadata.Namespace ?? "default";
        var proto = new Proto.Workload
        {
            Uid = WorkloadUid(workload),
            Name = workload.Metadata.Name,
            Namespace = ns,
            Network = workload.Spec.Network ?? "",
            // A federated peer's workload carries its own trust domain: proxies then expect (and authorize) that identity.
            TrustDomain = workload.Spec.TrustDomain ?? options.TrustDomain,
            ServiceAccount = workload.Spec.ServiceAccount,
            Node = workload.Spec.Node,
            CanonicalName = labels.GetValueOrDefault("app") ?? labels.GetValueOrDefault("app.kubernetes.io/name") ?? workload.Metadata.Name,
            CanonicalRevision = labels.GetValueOrDefault("version") ?? labels.GetValueOrDefault("app.kubernetes.io/version") ?? "latest",
            WorkloadName = workload.Metadata.Name,
            WorkloadType = Proto.WorkloadType.Pod,
            Status = Proto.WorkloadStatus.Healthy,
            ClusterId = "embedded",
        };
        foreach (var address in workload.Spec.Addresses)
        {
            proto.Addresses.Add(ByteString.CopyFrom(IPAddress.Parse(address).GetAddressBytes()));
        }

        if (workload.Spec.Locality is { } locality)
        {
            proto.Locality = new Proto.Locality { Region = locality.Region ?? "", Zone = locality.Zone ?? "", Subzone = locality.Subzone ?? "" };
        }

        foreach (var service in services)
        {
            if (service.Metadata.Namespace != ns || service.Spec.Selector is not { Count: > 0 } selector || !Selects(selector, labels))
            {
                continue;
            }

            var ports = new Proto.PortList();
            foreach (var port in service.Spec.Ports)
            {
                ports.Ports.Add(new Proto.Port { ServicePort = (uint)port.Port, TargetPort = (uint)ResolveTargetPort(port, workload) });
            }

            proto.Services[$"{ns}/{MeshName.Hostname(service.Metadata.Name, ns)}"] = ports;
        }

        return proto;
    }

    private static int ResolveTargetPort(ServicePort port, WorkloadResource workload)
    {
        if (port.TargetPort is { Number: { } number })
        {
            return number;
        }

        if (port.TargetPort is { Name: { } name } && workload.Spec.Ports is { } named && named.TryGetValue(name, out var byName))
        {
            return byName;
        }

        return port.Port;
    }

    private static SkeinProto.Upstream ToProto(WorkloadResource workload, WorkloadUpstream upstream)
    {
        var ns = workload.Metadata.Namespace ?? "default";
        var (service, serviceNs) = upstream.Service.Split('.', 2) is [var n, var s] ? (n, s) : (upstream.Service, ns);
        var bind = upstream.BindAddress is { } explicitBind ? IPAddress.Parse(explicitBind) : DefaultBindAddress(workload);
        return new SkeinProto.Upstream
        {
            WorkloadUid = WorkloadUid(workload),
            BindAddress = ByteString.CopyFrom(bind.GetAddressBytes()),
            LocalPort = (uint)upstream.LocalPort,
            Service = $"{serviceNs}/{MeshName.Hostname(service, serviceNs)}",
            ServicePort = (uint)upstream.Port,
        };
    }

    /// <summary>A workload's "localhost": its own address when that is a loopback address (an emulated node), else 127.0.0.1.</summary>
    private static IPAddress DefaultBindAddress(WorkloadResource workload)
    {
        var first = workload.Spec.Addresses.Select(IPAddress.Parse).FirstOrDefault(IPAddress.IsLoopback);
        return first ?? IPAddress.Loopback;
    }

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);

    private sealed record CompiledMesh(
        long Version,
        object Snapshot,
        IReadOnlyDictionary<string, XdsResource> Addresses,
        IReadOnlyDictionary<string, XdsResource> Authorizations,
        IReadOnlyDictionary<string, XdsResource> Mtls,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, XdsResource>> UpstreamsByNode,
        GatewayApiResult GatewayApi,
        IReadOnlyDictionary<(string Role, string Node), IReadOnlyDictionary<string, XdsResource>> GatewaysByPlacement,
        IReadOnlyDictionary<string, XdsResource> Telemetry);
}
