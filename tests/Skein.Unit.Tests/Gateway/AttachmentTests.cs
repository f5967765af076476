namespace Skein.Unit.Tests.Gateway;

public sealed class AttachmentTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          listeners:
          - {name: same, port: 80, protocol: HTTP, hostname: "*.same.com"}
          - name: all
            port: 8080
            protocol: HTTP
            hostname: "*.all.com"
            allowedRoutes: {namespaces: {from: All}}
          - name: selected
            port: 8081
            protocol: HTTP
            allowedRoutes:
              namespaces:
                from: Selector
                selector: {matchLabels: {team: apps}}
          - name: tcp
            port: 9000
            protocol: TCP
            allowedRoutes: {namespaces: {from: All}}
        ---

        """;

    private static string Route(string name, string ns, string parent, string hostnames = "[]") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          parentRefs: [{{parent}}]
          hostnames: {{hostnames}}
          rules: [{backendRefs: [{name: app-backend, namespace: apps, port: 8080}]}]
        ---

        """;

    [Fact]
    public void Allowed_routes_admit_by_namespace_same_all_and_selector()
    {
        var result = GatewayTestConfig.Compile(Gateway
            + Route("in-infra", "infra", "{name: gw, namespace: infra}")
            + Route("in-apps", "apps", "{name: gw, namespace: infra}"));

        var listeners = result.GatewayStatus("infra", "gw").Listeners.ToDictionary(l => l.Name, l => l.AttachedRoutes);
        // infra's route attaches to same, all (and not selected: infra lacks the label); apps' to all and selected.
        Assert.Equal(1, listeners["same"]);
        Assert.Equal(2, listeners["all"]);
        Assert.Equal(1, listeners["selected"]);
        Assert.Equal(0, listeners["tcp"]);

        var proto = result.Proto("infra", "gw");
        Assert.Equal(["*.all.com"], proto.Listeners.Single(l => l.Name == "all").HttpRoutes.First().Hostnames);
    }

    [Fact]
    public void A_listener_that_admits_no_route_of_the_namespace_is_NotAllowedByListeners()
    {
        var result = GatewayTestConfig.Compile(Gateway + Route("r", "apps", "{name: gw, namespace: infra, sectionName: same}"));

        var parent = result.RouteStatus("HTTPRoute", "apps", "r").Parents.Single();
        Assert.Equal("skein.dev/gateway-controller", parent.ControllerName);
        Assert.Equal(("False", "NotAllowedByListeners"), parent.Conditions.Of("Accepted"));
        Assert.Equal(0, result.GatewayStatus("infra", "gw").Listeners.Single(l => l.Name == "same").AttachedRoutes);
    }

    [Fact]
    public void A_route_kind_the_listener_does_not_carry_is_NotAllowedByListeners()
    {
        var result = GatewayTestConfig.Compile(Gateway + Route("r", "infra", "{name: gw, sectionName: tcp}"));
        Assert.Equal(("False", "NotAllowedByListeners"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("Accepted"));
    }

    [Theory]
    [InlineData("{name: gw, sectionName: nope}")]
    [InlineData("{name: gw, port: 81}")]
    [InlineData("{name: gw, sectionName: same, port: 8080}")]
    [InlineData("{name: missing}")]
    public void Unknown_sections_ports_and_gateways_are_NoMatchingParent(string parent)
    {
        var result = GatewayTestConfig.Compile(Gateway + Route("r", "infra", parent));
        Assert.Equal(("False", "NoMatchingParent"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("Accepted"));
    }

    [Fact]
    public void Hostnames_that_intersect_no_listener_are_NoMatchingListenerHostname()
    {
        var result = GatewayTestConfig.Compile(Gateway + Route("r", "infra", "{name: gw, sectionName: same}", "[foo.other.com]"));
        Assert.Equal(("False", "NoMatchingListenerHostname"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("Accepted"));
        Assert.Empty(result.Proto("infra", "gw").Listeners.Single(l => l.Name == "same").HttpRoutes);
    }

    [Fact]
    public void Routes_for_another_controllers_gateway_get_no_status_from_skein()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: theirs, namespace: infra}
            spec:
              gatewayClassName: other
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---

            """ + Route("r", "infra", "{name: theirs}"));

        Assert.DoesNotContain(result.Statuses.Keys, k => k.Kind is "Gateway" or "HTTPRoute");
        Assert.Empty(result.Gateways);
    }

    [Fact]
    public void A_route_using_a_filter_skein_does_not_implement_is_not_accepted_with_UnsupportedValue()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: ext, namespace: infra}
            spec:
              parentRefs: [{name: gw, sectionName: all}]
              rules:
              - filters:
                - type: ExtensionRef
                  extensionRef: {group: example.com, kind: Magic, name: x}
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

        var accepted = result.RouteStatus("HTTPRoute", "infra", "ext").Parents.Single().Conditions.Condition("Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("ExtensionRef", accepted.Message, StringComparison.Ordinal);
        Assert.Empty(result.Proto("infra", "gw").Listeners.Single(l => l.Name == "all").HttpRoutes);
    }
}
