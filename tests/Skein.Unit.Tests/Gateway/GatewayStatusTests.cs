using Skein.Core.Resources;

namespace Skein.Unit.Tests.Gateway;

public sealed class GatewayStatusTests
{
    [Fact]
    public void A_gateway_with_supported_and_unsupported_listeners_is_accepted_with_ListenersNotValid()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: mixed, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - {name: http, port: 80, protocol: HTTP}
              - {name: invalid, port: 1111, protocol: INVALID}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: only-invalid, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - {name: invalid, port: 1111, protocol: INVALID}
            """);

        var mixed = result.GatewayStatus("infra", "mixed");
        Assert.Equal(("True", "ListenersNotValid"), mixed.Conditions.Of("Accepted"));
        Assert.Equal(("False", "UnsupportedProtocol"), mixed.Listeners.Single(l => l.Name == "invalid").Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), mixed.Listeners.Single(l => l.Name == "http").Conditions.Of("Accepted"));
        Assert.Equal(["http"], result.Proto("infra", "mixed").Listeners.Select(l => l.Name));

        var invalid = result.GatewayStatus("infra", "only-invalid");
        Assert.Equal(("False", "ListenersNotValid"), invalid.Conditions.Of("Accepted"));
        Assert.Equal("False", invalid.Conditions.Condition("Programmed").Status);
    }

    [Fact]
    public void Invalid_route_kinds_are_reported_and_only_valid_kinds_supported()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: kinds, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - name: http
                port: 80
                protocol: HTTP
                allowedRoutes:
                  kinds: [{kind: InvalidRoute}, {kind: HTTPRoute}]
            """);

        var listener = result.GatewayStatus("infra", "kinds").Listeners.Single();
        Assert.Equal(("False", "InvalidRouteKinds"), listener.Conditions.Of("ResolvedRefs"));
        Assert.Equal(["HTTPRoute"], listener.SupportedKinds.Select(k => k.Kind));
    }

    [Fact]
    public void A_missing_or_malformed_certificate_is_InvalidCertificateRef()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: v1
            kind: Secret
            metadata: {name: not-tls, namespace: infra}
            type: Opaque
            stringData: {tls.crt: nope, tls.key: nope}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tls, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - name: missing
                port: 443
                hostname: a.example.com
                protocol: HTTPS
                tls: {certificateRefs: [{name: nonexistent}]}
              - name: malformed
                port: 443
                hostname: b.example.com
                protocol: HTTPS
                tls: {certificateRefs: [{name: not-tls}]}
              - name: kind
                port: 443
                hostname: c.example.com
                protocol: HTTPS
                tls: {certificateRefs: [{group: example.com, kind: Certificate, name: x}]}
            """);

        Assert.All(result.GatewayStatus("infra", "tls").Listeners, l => Assert.Equal(("False", "InvalidCertificateRef"), l.Conditions.Of("ResolvedRefs")));
        Assert.Empty(result.Proto("infra", "tls").Listeners);
    }

    [Fact]
    public void Listeners_on_one_port_with_incompatible_protocols_conflict()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: conflict, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - {name: http, port: 80, protocol: HTTP}
              - {name: tcp, port: 80, protocol: TCP}
              - {name: other, port: 81, protocol: HTTP}
            """);

        var listeners = result.GatewayStatus("infra", "conflict").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(("True", "ProtocolConflict"), listeners["http"].Conditions.Of("Conflicted"));
        Assert.Equal(("True", "ProtocolConflict"), listeners["tcp"].Conditions.Of("Conflicted"));
        Assert.Equal(("False", "NoConflicts"), listeners["other"].Conditions.Of("Conflicted"));
        Assert.Equal(["other"], result.Proto("infra", "conflict").Listeners.Select(l => l.Name));
    }

    [Fact]
    public void Unsupported_address_types_unusable_ips_and_parameters_are_reported()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: bad-type, namespace: infra}
            spec:
              gatewayClassName: skein
              addresses: [{type: test/fake-invalid-type, value: "fake address"}]
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: unusable, namespace: infra}
            spec:
              gatewayClassName: skein
              addresses: [{value: 203.0.113.7}]
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: params, namespace: infra}
            spec:
              gatewayClassName: skein
              infrastructure:
                parametersRef: {group: example.com, kind: Params, name: missing}
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """);

        Assert.Equal(("False", "UnsupportedAddress"), result.GatewayStatus("infra", "bad-type").Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), result.GatewayStatus("infra", "unusable").Conditions.Of("Accepted"));
        Assert.Equal(("False", "AddressNotUsable"), result.GatewayStatus("infra", "unusable").Conditions.Of("Programmed"));
        Assert.Equal(("False", "InvalidParameters"), result.GatewayStatus("infra", "params").Conditions.Of("Accepted"));
    }

    [Fact]
    public void Observed_generation_is_the_metadata_generation_or_1()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """);

        Assert.All(result.GatewayStatus("infra", "gw").Conditions, c => Assert.Equal(1, c.ObservedGeneration));
    }

    [Fact]
    public void Built_in_classes_are_accepted_without_resources_and_a_foreign_controller_takes_a_class_away()
    {
        var builtIn = GatewayTestConfig.Compile("");
        Assert.Equal(["skein", "skein-waypoint"], builtIn.BuiltInResources.Select(r => r.Metadata.Name));
        Assert.Equal(("True", "Accepted"), ((GatewayClassStatus)builtIn.Statuses[new ResourceKey("GatewayClass", "", "skein")]).Conditions.Of("Accepted"));

        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: custom}
            spec: {controllerName: skein.dev/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: skein}
            spec: {controllerName: example.com/other}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: mine, namespace: infra}
            spec:
              gatewayClassName: custom
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: theirs, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """);

        Assert.Equal(["infra/mine"], result.Gateways.Select(g => g.Name));
        Assert.True(result.Statuses.ContainsKey(new ResourceKey("GatewayClass", "", "custom")));
        Assert.False(result.Statuses.ContainsKey(new ResourceKey("GatewayClass", "", "skein")));
        Assert.Equal(["skein-waypoint"], result.BuiltInResources.Select(r => r.Metadata.Name));
    }
}

/// <summary>metadata.generation as the store keeps it, and observedGeneration following it.</summary>
public sealed class GenerationTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra, labels: {l: "LABEL"}}
        spec:
          gatewayClassName: skein
          listeners: [{name: http, port: PORT, protocol: HTTP}]
        """;

    [Fact]
    public void Spec_changes_bump_the_generation_and_metadata_changes_do_not()
    {
        var store = TestConfig.Store(Gateway.Replace("PORT", "80", StringComparison.Ordinal).Replace("LABEL", "a", StringComparison.Ordinal), "gw.yaml");
        long GenerationNow() => store.Current.Resources[new ResourceKey("Gateway", "infra", "gw")].Metadata.Generation;
        Assert.Equal(1, GenerationNow());

        void Load(string port, string label) => store.Apply("gw.yaml", Skein.Core.Configuration.ResourceLoader.LoadText(
            Gateway.Replace("PORT", port, StringComparison.Ordinal).Replace("LABEL", label, StringComparison.Ordinal), "gw.yaml"));

        Load("80", "b");
        Assert.Equal(1, GenerationNow());
        Load("8080", "b");
        Assert.Equal(2, GenerationNow());
        Load("8080", "b");
        Assert.Equal(2, GenerationNow());

        var compiler = new Skein.Control.Gateway.GatewayApiCompiler(new Skein.Control.ControlPlaneOptions { ConfigDirectory = "." });
        var status = (GatewayStatus)compiler.Compile(store.Current).Statuses[new ResourceKey("Gateway", "infra", "gw")];
        Assert.All(status.Conditions.Concat(status.Listeners.SelectMany(l => l.Conditions)), c => Assert.Equal(2, c.ObservedGeneration));
    }
}

/// <summary>lastTransitionTime moves only when a condition's status does.</summary>
public sealed class TransitionTimeTests
{
    [Fact]
    public void Unchanged_conditions_keep_their_transition_time_across_compiles()
    {
        var compiler = new Skein.Control.Gateway.GatewayApiCompiler(new Skein.Control.ControlPlaneOptions { ConfigDirectory = "." });
        var key = new ResourceKey("Gateway", "infra", "gw");
        var first = (GatewayStatus)compiler.Compile(TestConfig.Store(GatewayTestConfig.Base + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """).Current).Statuses[key];
        var earlier = first.Conditions.Condition("Accepted").LastTransitionTime;

        // Backdate the first result so that a carried-over time is distinguishable from a fresh one.
        foreach (var condition in first.Conditions)
        {
            condition.LastTransitionTime = DateTimeOffset.UnixEpoch;
        }

        var second = (GatewayStatus)compiler.Compile(TestConfig.Store(GatewayTestConfig.Base + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: skein
              addresses: [{value: 203.0.113.9}]
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """).Current).Statuses[key];

        Assert.NotNull(earlier);
        Assert.Equal(DateTimeOffset.UnixEpoch, second.Conditions.Condition("Accepted").LastTransitionTime);
        Assert.NotEqual(DateTimeOffset.UnixEpoch, second.Conditions.Condition("Programmed").LastTransitionTime);
        Assert.Equal("False", second.Conditions.Condition("Programmed").Status);
    }
}
