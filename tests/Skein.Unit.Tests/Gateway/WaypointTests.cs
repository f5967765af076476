using System.Net;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Protos.Workload;
using Skein.Core.Resources;
using Skein.Core.Xds;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

public sealed class WaypointTests
{
    private const string Mesh = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: mesh
          labels: {skein.dev/use-waypoint: waypoint}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: waypoint, namespace: mesh}
        spec:
          gatewayClassName: skein-waypoint
          addresses: [{value: 127.0.55.1}]
          listeners: [{name: mesh, port: 15008, protocol: HBONE}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: mesh}
        spec:
          selector: {app: echo}
          ports:
          - {name: http, port: 80, appProtocol: http, targetPort: 8080}
          - {name: tcp, port: 9090}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo-v1, namespace: mesh}
        spec:
          selector: {app: echo, version: v1}
          ports: [{name: http, port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: opted-out
          namespace: mesh
          labels: {skein.dev/use-waypoint: none}
        spec:
          ports: [{name: http, port: 80}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: echo-v1-a
          namespace: mesh
          labels: {app: echo, version: v1, skein.dev/use-waypoint: waypoint}
        spec:
          node: node-a
          addresses: [127.0.55.10]
          serviceAccount: echo
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: echo-split, namespace: mesh}
        spec:
          parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /v1}}]
            backendRefs: [{name: echo-v1, port: 80}]
        ---

        """;

    private static readonly MeshCompiler Compiler = new(new ControlPlaneOptions { ConfigDirectory = "." });

    [Fact]
    public void Services_using_a_waypoint_point_node_proxies_at_its_address_and_hbone_port()
    {
        var addresses = Compiler.Compile(TestConfig.Store(Mesh).Current, "node-a").Get(TypeUrls.Address);

        var echo = addresses["mesh/echo.mesh.svc.cluster.local"].Body.Unpack<Address>().Service;
        Assert.Equal(IPAddress.Parse("127.0.55.1"), new IPAddress(echo.Waypoint.Address.Address.Span));
        Assert.Equal(15008u, echo.Waypoint.HboneMtlsPort);
        Assert.NotNull(addresses["mesh/echo-v1.mesh.svc.cluster.local"].Body.Unpack<Address>().Service.Waypoint);
        Assert.Null(addresses["mesh/opted-out.mesh.svc.cluster.local"].Body.Unpack<Address>().Service.Waypoint);

        var workload = addresses["embedded/skein.dev/Workload/mesh/echo-v1-a"].Body.Unpack<Address>().Workload;
        Assert.Equal(IPAddress.Parse("127.0.55.1"), new IPAddress(workload.Waypoint.Address.Address.Span));

        var waypoint = addresses["embedded/gateway.networking.k8s.io/Gateway/mesh/waypoint"].Body.Unpack<Address>().Workload;
        Assert.Equal(("mesh", "waypoint", "waypoint"), (waypoint.Namespace, waypoint.ServiceAccount, waypoint.Node));
        Assert.Equal(TunnelProtocol.Hbone, waypoint.TunnelProtocol);
        Assert.Equal(IPAddress.Parse("127.0.55.1"), new IPAddress(waypoint.Addresses[0].Span));
    }

    [Fact]
    public void The_waypoint_gets_a_listener_per_service_port_with_its_routes_or_a_default_route()
    {
        var view = Compiler.Compile(TestConfig.Store(Mesh).Current, "waypoint", "waypoint");
        var gateway = view.Get(TypeUrls.Gateway)["mesh/waypoint"].Body.Unpack<SkeinProto.Gateway>();
        var listeners = gateway.Listeners.ToDictionary(l => l.Name);

        Assert.Equal(["echo-v1.mesh:80", "echo.mesh:80", "echo.mesh:9090"], listeners.Keys.Order(StringComparer.Ordinal));
        Assert.All(gateway.Listeners, l => Assert.Equal(SkeinProto.ListenerProtocol.Hbone, l.Protocol));

        var echoHttp = listeners["echo.mesh:80"];
        Assert.Equal("mesh/echo.mesh.svc.cluster.local", echoHttp.Service);
        var route = Assert.Single(echoHttp.HttpRoutes);
        Assert.Equal(("mesh/echo-split", "/v1", 80u), (route.Route, route.Match.Path.Value, route.Match.Port));
        Assert.Equal("mesh/echo-v1.mesh.svc.cluster.local", route.Backends.Single().Backend.Service);

        var echoTcp = listeners["echo.mesh:9090"];
        Assert.Empty(echoTcp.HttpRoutes);
        Assert.Equal("mesh/echo.mesh.svc.cluster.local", echoTcp.StreamRoutes.Single().Backends.Single().Backend.Service);

        var fallback = Assert.Single(listeners["echo-v1.mesh:80"].HttpRoutes);
        Assert.Equal(("Service", "/", 80u), (fallback.Kind, fallback.Match.Path.Value, fallback.Backends.Single().Backend.Port));
    }

    [Fact]
    public void Routes_with_service_parents_get_status_per_parent()
    {
        var snapshot = TestConfig.Store(Mesh + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: bad-port, namespace: mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo, port: 81}]
              rules: [{backendRefs: [{name: echo, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: no-waypoint, namespace: mesh}
            spec:
              parentRefs: [{group: "", kind: Service, name: opted-out}]
              rules: [{backendRefs: [{name: echo, port: 80}]}]
            """).Current;
        var statuses = Compiler.GatewayApi(snapshot).Statuses;
        RouteStatus Status(string name) => (RouteStatus)statuses[new ResourceKey("HTTPRoute", "mesh", name)];

        var accepted = Status("echo-split").Parents.Single();
        Assert.Equal(("Service", ""), (accepted.ParentRef.Kind, accepted.ParentRef.Group));
        Assert.Equal(("True", "Accepted"), accepted.Conditions.Of("Accepted"));
        Assert.Equal(("True", "ResolvedRefs"), accepted.Conditions.Of("ResolvedRefs"));
        Assert.Equal(("False", "NoMatchingParent"), Status("bad-port").Parents.Single().Conditions.Of("Accepted"));
        Assert.Equal(("False", "NoMatchingParent"), Status("no-waypoint").Parents.Single().Conditions.Of("Accepted"));
    }

    [Fact]
    public void A_route_naming_the_waypoint_gateway_itself_is_not_allowed_by_its_hbone_listener()
    {
        var snapshot = TestConfig.Store(Mesh + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: on-gateway, namespace: mesh}
            spec:
              parentRefs: [{name: waypoint}]
              rules: [{backendRefs: [{name: echo, port: 80}]}]
            """).Current;
        var result = Compiler.GatewayApi(snapshot);

        var status = (RouteStatus)result.Statuses[new ResourceKey("HTTPRoute", "mesh", "on-gateway")];
        Assert.Equal(("False", "NotAllowedByListeners"), status.Parents.Single().Conditions.Of("Accepted"));
        var listener = ((GatewayStatus)result.Statuses[new ResourceKey("Gateway", "mesh", "waypoint")]).Listeners.Single();
        Assert.Equal(("True", "Programmed"), listener.Conditions.Of("Programmed"));
        Assert.Equal(0, listener.AttachedRoutes);
    }
}
