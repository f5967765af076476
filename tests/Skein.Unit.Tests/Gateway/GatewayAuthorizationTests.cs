using Skein.Control.Compiler;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

/// <summary>Which AuthorizationPolicies gateways and waypoints enforce per request, and in what form.</summary>
public sealed class GatewayAuthorizationTests
{
    private const string Mesh = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: waypoint, namespace: mesh}
        spec:
          gatewayClassName: skein-waypoint
          addresses: [{value: 127.0.55.1}]
          listeners: [{name: mesh, port: 15008, protocol: HBONE}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: ingress, namespace: mesh}
        spec:
          gatewayClassName: skein
          addresses: [{value: 127.0.55.2}]
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: echo
          namespace: mesh
          labels: {skein.dev/use-waypoint: waypoint}
        spec:
          selector: {app: echo}
          ports: [{name: http, port: 80, appProtocol: http, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: other
          namespace: mesh
          labels: {skein.dev/use-waypoint: waypoint}
        spec:
          selector: {app: other}
          ports: [{name: http, port: 80, appProtocol: http}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: echo-1, namespace: mesh, labels: {app: echo}}
        spec: {node: node-a, addresses: [127.0.55.10], serviceAccount: echo}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: other-1, namespace: mesh, labels: {app: other}}
        spec: {node: node-a, addresses: [127.0.55.11], serviceAccount: other}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: echo-get, namespace: mesh}
        spec:
          targetRefs: [{kind: Service, group: "", name: echo}]
          action: ALLOW
          rules:
          - from: [{source: {principals: ["cluster.local/ns/mesh/sa/client"]}}]
            to: [{operation: {methods: [GET], paths: ["/public*"], ports: ["8080"]}}]
            when: [{key: "request.headers[x-tenant]", values: [blue]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: at-waypoint, namespace: mesh}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
          action: DENY
          rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: at-ingress, namespace: mesh}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]
          rules: [{to: [{operation: {paths: ["/shop/*"]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: other-l7-selector, namespace: mesh}
        spec:
          selector: {matchLabels: {app: other}}
          rules: [{to: [{operation: {methods: [GET]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: other-l4-selector, namespace: mesh}
        spec:
          selector: {matchLabels: {app: other}}
          rules: [{from: [{source: {namespaces: [mesh]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: mesh-wide-l7, namespace: skein-system}
        spec:
          action: DENY
          rules: [{to: [{operation: {paths: ["/debug*"]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: elsewhere, namespace: apps}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
          rules: [{to: [{operation: {methods: [GET]}}]}]
        ---

        """;

    private static SkeinProto.Gateway Gateway(string name) =>
        GatewayTestConfig.Compile(Mesh).Gateways.Single(g => g.Name == $"mesh/{name}").Proto;

    private static List<string> Names(IEnumerable<SkeinProto.PolicyAuthorization> policies) => [.. policies.Select(p => p.Name)];

    [Fact]
    public void Policies_targeting_a_gateway_go_on_that_gateway_only()
    {
        Assert.Equal(["mesh/at-waypoint"], Names(Gateway("waypoint").AuthorizationPolicies));
        Assert.Equal(["mesh/at-ingress"], Names(Gateway("ingress").AuthorizationPolicies));
        Assert.All(Gateway("ingress").Listeners, l => Assert.Empty(l.AuthorizationPolicies));
    }

    [Fact]
    public void Service_targeted_and_l7_selector_policies_go_on_the_waypoint_listener_of_the_service_they_cover()
    {
        var listeners = Gateway("waypoint").Listeners.ToDictionary(l => l.Service);
        Assert.Equal(["mesh/echo-get", "skein-system/mesh-wide-l7"], Names(listeners["mesh/echo.mesh.svc.cluster.local"].AuthorizationPolicies));
        // The L4-only selector policy stays with the node proxy (and the waypoint's tunnel check); only the one with request fields moves up.
        Assert.Equal(["mesh/other-l7-selector", "skein-system/mesh-wide-l7"], Names(listeners["mesh/other.mesh.svc.cluster.local"].AuthorizationPolicies));
    }

    [Fact]
    public void A_target_in_another_namespace_is_named_explicitly()
    {
        var result = GatewayTestConfig.Compile(Mesh + """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: cross, namespace: apps}
            spec:
              targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress, namespace: mesh}]
              rules: [{to: [{operation: {methods: [GET]}}]}]
            ---

            """);
        Assert.Equal(["apps/cross", "mesh/at-ingress"], Names(result.Gateways.Single(g => g.Name == "mesh/ingress").Proto.AuthorizationPolicies));
    }

    [Fact]
    public void The_l7_form_keeps_every_field_in_istio_spelling()
    {
        var policy = Gateway("waypoint").Listeners.Single(l => l.Service == "mesh/echo.mesh.svc.cluster.local").AuthorizationPolicies.Single(p => p.Name == "mesh/echo-get");
        Assert.Equal(SkeinProto.PolicyAuthorization.Types.Action.Allow, policy.Action);
        var rule = Assert.Single(policy.Rules);
        Assert.Equal(["cluster.local/ns/mesh/sa/client"], rule.From.Single().Principals);
        var to = rule.To.Single();
        Assert.Equal(["GET"], to.Methods);
        Assert.Equal(["/public*"], to.Paths);
        Assert.Equal([8080u], to.Ports);
        Assert.Equal("request.headers[x-tenant]", rule.When.Single().Key);
    }

    [Fact]
    public void Request_fields_are_told_apart_from_connection_fields()
    {
        var policies = TestConfig.Store(Mesh).Current.OfType<Skein.Core.Resources.AuthorizationPolicyResource>().ToDictionary(p => p.Metadata.Name);
        Assert.True(L7AuthorizationCompiler.HasRequestFields(policies["echo-get"]));
        Assert.True(L7AuthorizationCompiler.HasRequestFields(policies["other-l7-selector"]));
        Assert.False(L7AuthorizationCompiler.HasRequestFields(policies["other-l4-selector"]));
    }
}
