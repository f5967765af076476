using Skein.Core.Resources;

namespace Skein.Unit.Tests.Gateway;

public sealed class ListenerSetTests
{
    private static string Gateway(string name, string allowed = "", string listeners = "- {name: web, port: 80, protocol: HTTP, hostname: gw.example.com, allowedRoutes: {namespaces: {from: All}}}") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: infra}
        spec:
          gatewayClassName: skein
          {{(allowed.Length > 0 ? $"allowedListeners: {{namespaces: {allowed}}}" : "")}}
          listeners:
          {{Indent(listeners)}}
        ---

        """;

    private static string ListenerSet(string name, string ns, string gateway, string listeners, string created = "") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: {{name}}, namespace: {{ns}}{{(created.Length > 0 ? $", creationTimestamp: \"{created}\"" : "")}}}
        spec:
          parentRef: {name: {{gateway}}, namespace: infra}
          listeners:
          {{Indent(listeners)}}
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

    // Listener lists continue on the block's indentation.
    private static string Indent(string lines) => lines.Trim().Replace("\n", "\n  ", StringComparison.Ordinal);

    private const string Http = "- {name: http, port: 80, protocol: HTTP, hostname: ls.example.com, allowedRoutes: {namespaces: {from: All}}}";

    private static ListenerSetStatus Status(GatewayApiResultView result, string ns, string name) => result.ListenerSet(ns, name);

    [Fact]
    public void ListenerSets_attach_only_as_the_gateways_allowedListeners_say()
    {
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(
            Gateway("none") + Gateway("same", "{from: Same}") + Gateway("selector", "{from: Selector, selector: {matchLabels: {team: apps}}}") + Gateway("all", "{from: All}")
            + ListenerSet("to-none", "infra", "none", Http)
            + ListenerSet("same-infra", "infra", "same", Http) + ListenerSet("same-apps", "apps", "same", Http)
            + ListenerSet("selector-apps", "apps", "selector", Http) + ListenerSet("selector-infra", "infra", "selector", Http)
            + ListenerSet("all-apps", "apps", "all", Http)));

        Assert.Equal(("False", "NotAllowed"), Status(result, "infra", "to-none").Conditions.Of("Accepted"));
        Assert.Equal(("False", "NotAllowed"), Status(result, "infra", "to-none").Conditions.Of("Programmed"));
        Assert.Equal(("True", "Accepted"), Status(result, "infra", "same-infra").Conditions.Of("Accepted"));
        Assert.Equal(("True", "Programmed"), Status(result, "infra", "same-infra").Conditions.Of("Programmed"));
        Assert.Equal(("False", "NotAllowed"), Status(result, "apps", "same-apps").Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), Status(result, "apps", "selector-apps").Conditions.Of("Accepted"));
        Assert.Equal(("False", "NotAllowed"), Status(result, "infra", "selector-infra").Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), Status(result, "apps", "all-apps").Conditions.Of("Accepted"));

        var none = result.Raw.GatewayStatus("infra", "none");
        Assert.Equal(0, none.AttachedListenerSets);
        Assert.Equal(("False", "ListenerSetsNotAllowed"), none.Conditions.Of("AttachedListenerSets"));
        var same = result.Raw.GatewayStatus("infra", "same");
        Assert.Equal(1, same.AttachedListenerSets);
        Assert.Equal(("True", "ListenerSetsAttached"), same.Conditions.Of("AttachedListenerSets"));
        // A rejected ListenerSet adds nothing to the proxies; an accepted one's listener is served after the Gateway's own.
        Assert.Equal(["web"], result.Raw.Proto("infra", "none").Listeners.Select(l => l.Name));
        Assert.Equal(["web", "infra/same-infra/http"], result.Raw.Proto("infra", "same").Listeners.Select(l => l.Name));
    }

    [Fact]
    public void A_gateway_that_neither_allows_nor_is_named_by_listenersets_says_nothing_about_them()
    {
        var status = GatewayTestConfig.Compile(Gateway("plain")).GatewayStatus("infra", "plain");

        Assert.Null(status.AttachedListenerSets);
        Assert.DoesNotContain(status.Conditions, c => c.Type == "AttachedListenerSets");
    }

    [Fact]
    public void A_missing_parent_is_ParentNotAccepted_and_another_controllers_parent_gets_no_status()
    {
        var raw = GatewayTestConfig.Compile(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: foreign, namespace: infra}
            spec:
              gatewayClassName: someone-else
              allowedListeners: {namespaces: {from: All}}
              listeners: [{name: web, port: 80, protocol: HTTP}]
            ---

            """
            + ListenerSet("orphan", "infra", "missing", Http) + ListenerSet("of-foreign", "infra", "foreign", Http));

        var orphan = new GatewayApiResultView(raw).ListenerSet("infra", "orphan");
        Assert.Equal(("False", "ParentNotAccepted"), orphan.Conditions.Of("Accepted"));
        Assert.Equal(("False", "ParentNotAccepted"), orphan.Listeners.Single().Conditions.Of("Accepted"));
        Assert.False(raw.Statuses.ContainsKey(new ResourceKey("ListenerSet", "infra", "of-foreign")));
    }

    [Fact]
    public void Conflicts_are_settled_by_precedence_the_gateway_first_then_older_then_by_name()
    {
        var gateway = Gateway("gw", "{from: All}", """
            - {name: web, port: 80, protocol: HTTP, hostname: taken.example.com}
            """);
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(gateway
            // b-older sorts after a-newer by name but was created first, so it wins their shared hostname.
            + ListenerSet("a-newer", "infra", "gw", """
                - {name: own, port: 80, protocol: HTTP, hostname: a.example.com}
                - {name: shared, port: 80, protocol: HTTP, hostname: shared.example.com}
                """, created: "2026-02-01T00:00:00Z")
            + ListenerSet("b-older", "infra", "gw", """
                - {name: shared, port: 80, protocol: HTTP, hostname: shared.example.com}
                - {name: taken, port: 80, protocol: HTTP, hostname: taken.example.com}
                - {name: tcp, port: 80, protocol: TCP}
                """, created: "2026-01-01T00:00:00Z")
            + ListenerSet("c-only-conflicts", "infra", "gw", """
                - {name: taken, port: 80, protocol: HTTP, hostname: taken.example.com}
                """, created: "2026-03-01T00:00:00Z")));

        var older = result.ListenerSet("infra", "b-older").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(("True", "Accepted"), older["shared"].Conditions.Of("Accepted"));
        Assert.Equal(("False", "HostnameConflict"), older["taken"].Conditions.Of("Accepted"));
        Assert.Equal(("False", "HostnameConflict"), older["taken"].Conditions.Of("Programmed"));
        Assert.Equal(("True", "HostnameConflict"), older["taken"].Conditions.Of("Conflicted"));
        Assert.Equal(("True", "ProtocolConflict"), older["tcp"].Conditions.Of("Conflicted"));
        Assert.Equal(("True", "ListenersNotValid"), result.ListenerSet("infra", "b-older").Conditions.Of("Accepted"));

        var newer = result.ListenerSet("infra", "a-newer").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(("True", "HostnameConflict"), newer["shared"].Conditions.Of("Conflicted"));
        Assert.Equal(("False", "NoConflicts"), newer["own"].Conditions.Of("Conflicted"));

        var onlyConflicts = result.ListenerSet("infra", "c-only-conflicts");
        Assert.Equal(("False", "ListenersNotValid"), onlyConflicts.Conditions.Of("Accepted"));
        Assert.Equal(("False", "ListenersNotValid"), onlyConflicts.Conditions.Of("Programmed"));

        // The Gateway's own listener is untouched; the proxies get the winners, Gateway first, then by precedence.
        Assert.Equal(("False", "NoConflicts"), result.Raw.GatewayStatus("infra", "gw").Listeners.Single().Conditions.Of("Conflicted"));
        Assert.Equal(2, result.Raw.GatewayStatus("infra", "gw").AttachedListenerSets);
        Assert.Equal(["web", "infra/b-older/shared", "infra/a-newer/own"], result.Raw.Proto("infra", "gw").Listeners.Select(l => l.Name));
    }

    [Fact]
    public void A_listenerset_listener_never_mixes_protocols_on_a_port_the_proxy_serves_as_one()
    {
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(
            GatewayTestConfig.TlsSecret("infra", "cert")
            + Gateway("gw", "{from: All}", "- {name: https, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert}]}}")
            + ListenerSet("ls", "infra", "gw", "- {name: passthrough, port: 443, protocol: TLS, hostname: b.example.com, tls: {mode: Passthrough}}")));

        Assert.Equal(("True", "ProtocolConflict"), result.ListenerSet("infra", "ls").Listeners.Single().Conditions.Of("Conflicted"));
        Assert.Equal(["https"], result.Raw.Proto("infra", "gw").Listeners.Select(l => l.Name));
    }

    [Fact]
    public void A_listenerset_listener_on_a_waypoints_hbone_port_conflicts()
    {
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(
            Gateway("gw", "{from: All}").Replace("gatewayClassName: skein", "gatewayClassName: skein-waypoint", StringComparison.Ordinal)
            + ListenerSet("ls", "infra", "gw", "- {name: hbone, port: 15008, protocol: HTTP}\n- {name: http, port: 8080, protocol: HTTP}")));

        var listeners = result.ListenerSet("infra", "ls").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(("True", "ProtocolConflict"), listeners["hbone"].Conditions.Of("Conflicted"));
        Assert.Equal(("True", "Accepted"), listeners["http"].Conditions.Of("Accepted"));
    }

    [Fact]
    public void Routes_reach_listenerset_listeners_only_through_a_listenerset_parentRef()
    {
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(
            Gateway("gw", "{from: All}")
            + ListenerSet("ls", "apps", "gw", """
                - {name: same, port: 80, protocol: HTTP, hostname: same.example.com}
                - {name: all, port: 80, protocol: HTTP, hostname: all.example.com, allowedRoutes: {namespaces: {from: All}}}
                """)
            + Route("via-gateway", "infra", "{name: gw}")
            + Route("via-gateway-section", "infra", "{name: gw, sectionName: all}")
            + Route("via-ls-from-apps", "apps", "{kind: ListenerSet, group: gateway.networking.k8s.io, name: ls}")
            + Route("via-ls-from-infra", "infra", "{kind: ListenerSet, group: gateway.networking.k8s.io, name: ls, namespace: apps}")
            + Route("via-ls-section", "infra", "{kind: ListenerSet, group: gateway.networking.k8s.io, name: ls, namespace: apps, sectionName: same}")
            + Route("via-missing-ls", "infra", "{kind: ListenerSet, group: gateway.networking.k8s.io, name: nope}")));

        var listeners = result.ListenerSet("apps", "ls").Listeners.ToDictionary(l => l.Name, l => l.AttachedRoutes);
        // allowedRoutes "Same" is the ListenerSet's namespace (apps), not the Gateway's (infra).
        Assert.Equal(1, listeners["same"]);
        Assert.Equal(2, listeners["all"]);
        Assert.Equal(1, result.Raw.GatewayStatus("infra", "gw").Listeners.Single().AttachedRoutes);

        Assert.Equal(("False", "NoMatchingParent"), result.Raw.RouteStatus("HTTPRoute", "infra", "via-gateway-section").Parents.Single().Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), result.Raw.RouteStatus("HTTPRoute", "apps", "via-ls-from-apps").Parents.Single().Conditions.Of("Accepted"));
        Assert.Equal(("False", "NotAllowedByListeners"), result.Raw.RouteStatus("HTTPRoute", "infra", "via-ls-section").Parents.Single().Conditions.Of("Accepted"));
        var missing = result.Raw.RouteStatus("HTTPRoute", "infra", "via-missing-ls").Parents.Single();
        Assert.Equal("ListenerSet", missing.ParentRef.Kind);
        Assert.Equal(("False", "NoMatchingParent"), missing.Conditions.Of("Accepted"));

        var proto = result.Raw.Proto("infra", "gw");
        Assert.Equal(["infra/via-gateway"], proto.Listeners.Single(l => l.Name == "web").HttpRoutes.Select(r => r.Route));
        Assert.Equal(["apps/via-ls-from-apps", "infra/via-ls-from-infra"], proto.Listeners.Single(l => l.Name == "apps/ls/all").HttpRoutes.Select(r => r.Route).Order());
        Assert.Equal(["all.example.com"], proto.Listeners.Single(l => l.Name == "apps/ls/all").HttpRoutes[0].Hostnames);
    }

    [Fact]
    public void A_listenersets_certificate_in_another_namespace_needs_a_grant_from_ListenerSets()
    {
        var grant = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata: {name: grant, namespace: apps}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: ListenerSet, namespace: infra}]
              to: [{group: "", kind: Secret}]
            ---

            """;
        var https = "- {name: https, port: 443, protocol: HTTPS, hostname: ls.example.com, tls: {certificateRefs: [{name: cert, namespace: apps}]}}";
        var result = new GatewayApiResultView(GatewayTestConfig.Compile(
            GatewayTestConfig.TlsSecret("apps", "cert") + grant + Gateway("gw", "{from: All}")
            + ListenerSet("granted", "infra", "gw", https)
            + ListenerSet("not-granted", "apps", "gw", https.Replace("ls.example.com", "other.example.com", StringComparison.Ordinal).Replace("namespace: apps", "namespace: infra", StringComparison.Ordinal))));

        Assert.Equal(("True", "ResolvedRefs"), result.ListenerSet("infra", "granted").Listeners.Single().Conditions.Of("ResolvedRefs"));
        Assert.Equal(("False", "RefNotPermitted"), result.ListenerSet("apps", "not-granted").Listeners.Single().Conditions.Of("ResolvedRefs"));
        Assert.Equal(("False", "ListenersNotValid"), result.ListenerSet("apps", "not-granted").Conditions.Of("Accepted"));
        Assert.Single(result.Raw.Proto("infra", "gw").Listeners.Single(l => l.Name == "infra/granted/https").Certificates);
    }

    /// <summary>The compile result with ListenerSet status lookups.</summary>
    private sealed class GatewayApiResultView(Skein.Control.Gateway.GatewayApiResult raw)
    {
        public Skein.Control.Gateway.GatewayApiResult Raw { get; } = raw;

        public ListenerSetStatus ListenerSet(string ns, string name) => (ListenerSetStatus)Raw.Statuses[new ResourceKey("ListenerSet", ns, name)];
    }
}
