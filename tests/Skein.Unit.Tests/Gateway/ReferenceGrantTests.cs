namespace Skein.Unit.Tests.Gateway;

public sealed class ReferenceGrantTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: infra}
        spec:
          parentRefs: [{name: gw}]
          rules: [{backendRefs: [{name: app-backend, namespace: apps, port: 8080}]}]
        ---

        """;

    [Fact]
    public void A_cross_namespace_backend_without_a_grant_is_RefNotPermitted_and_answers_500_with_a_reason()
    {
        var result = GatewayTestConfig.Compile(Gateway);

        var parent = result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single();
        Assert.Equal(("True", "Accepted"), parent.Conditions.Of("Accepted"));
        Assert.Equal(("False", "RefNotPermitted"), parent.Conditions.Of("ResolvedRefs"));
        var backend = result.Proto("infra", "gw").Listeners.Single().HttpRoutes.Single().Backends.Single().Backend;
        Assert.Contains("ReferenceGrant", backend.InvalidReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("name: app-backend")]
    public void A_grant_for_the_service_or_all_services_permits_it(string toName)
    {
        var result = GatewayTestConfig.Compile(Gateway + $$"""
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: grant, namespace: apps}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
              to: [{group: "", kind: Service, {{toName}}}]
            """.Replace(", }", "}", StringComparison.Ordinal));

        Assert.Equal(("True", "ResolvedRefs"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("ResolvedRefs"));
        var backend = result.Proto("infra", "gw").Listeners.Single().HttpRoutes.Single().Backends.Single().Backend;
        Assert.Equal("", backend.InvalidReason);
        Assert.Equal("apps/app-backend.apps.svc.cluster.local", backend.Service);
        Assert.Equal("kubernetes.io/h2c", backend.AppProtocol);
    }

    [Fact]
    public void A_grant_for_another_kind_or_name_does_not_permit_it()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: grant, namespace: apps}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: infra}, {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
              to: [{group: "", kind: Service, name: other}]
            """);

        Assert.Equal(("False", "RefNotPermitted"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("ResolvedRefs"));
    }

    [Fact]
    public void Missing_services_and_unknown_kinds_have_their_own_reasons()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: missing, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: nonexistent, port: 8080}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: kind, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{group: unknown.example.com, kind: Thing, name: x, port: 8080}]}]
            """);

        Assert.Equal(("False", "BackendNotFound"), result.RouteStatus("HTTPRoute", "infra", "missing").Parents.Single().Conditions.Of("ResolvedRefs"));
        Assert.Equal(("False", "InvalidKind"), result.RouteStatus("HTTPRoute", "infra", "kind").Parents.Single().Conditions.Of("ResolvedRefs"));
    }

    [Fact]
    public void Certificates_in_other_namespaces_need_a_grant_for_the_gateway()
    {
        var listener = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tls, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners:
              - name: https
                port: 443
                protocol: HTTPS
                tls: {certificateRefs: [{name: cert, namespace: apps}]}
            ---

            """;
        var secret = GatewayTestConfig.TlsSecret("apps", "cert");
        var grant = """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: certs, namespace: apps}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
              to: [{group: "", kind: Secret}]
            """;

        var denied = GatewayTestConfig.Compile(listener + secret).GatewayStatus("infra", "tls").Listeners.Single();
        Assert.Equal(("False", "RefNotPermitted"), denied.Conditions.Of("ResolvedRefs"));
        Assert.Equal(("False", "Invalid"), denied.Conditions.Of("Programmed"));

        var granted = GatewayTestConfig.Compile(listener + secret + grant);
        Assert.Equal(("True", "Programmed"), granted.GatewayStatus("infra", "tls").Listeners.Single().Conditions.Of("Programmed"));
        var certificate = granted.Proto("infra", "tls").Listeners.Single().Certificates.Single();
        Assert.Equal("apps/cert", certificate.Source);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", certificate.CertificateChainPem, StringComparison.Ordinal);
    }
}
