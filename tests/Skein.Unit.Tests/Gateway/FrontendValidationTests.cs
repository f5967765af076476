using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Resources;

namespace Skein.Unit.Tests.Gateway;

/// <summary>Gateway spec.tls.frontend: CA resolution, listener conditions and what proxies get.</summary>
public sealed class FrontendValidationTests
{
    private static string CaConfigMap(string ns, string name, string? pem = null) => $$"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: {{name}}, namespace: {{ns}}}
        data:
          ca.crt: |
        {{Indent(pem ?? NewCaPem(name), "    ")}}
        ---

        """;

    private static string Indent(string text, string prefix) => string.Join('\n', text.Trim().Split('\n').Select(l => prefix + l));

    private static string NewCaPem(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return ca.ExportCertificatePem();
    }

    private static string Gateway(string frontend, string listeners = """
          - name: https
            port: 443
            protocol: HTTPS
            tls: {certificateRefs: [{name: cert}]}
          - name: https-8443
            port: 8443
            hostname: second.example.org
            protocol: HTTPS
            tls: {certificateRefs: [{name: cert}]}
          - name: http
            port: 80
            protocol: HTTP
        """) => GatewayTestConfig.TlsSecret("infra", "cert") + $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          tls:
            frontend:
        {{Indent(frontend, "      ")}}
          listeners:
        {{listeners}}
        ---

        """;

    private static IReadOnlyList<StatusCondition> ListenerConditions(Skein.Control.Gateway.GatewayApiResult result, string listener) =>
        result.GatewayStatus("infra", "gw").Listeners.Single(l => l.Name == listener).Conditions;

    [Fact]
    public void Default_and_per_port_validation_reach_their_https_listeners_with_their_own_cas()
    {
        var defaultCa = NewCaPem("default-ca");
        var perPortCa = NewCaPem("per-port-ca");
        var result = GatewayTestConfig.Compile(CaConfigMap("infra", "default-ca", defaultCa) + CaConfigMap("infra", "per-port-ca", perPortCa) + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, group: "", name: default-ca}]
            perPort:
            - port: 8443
              tls:
                validation:
                  mode: AllowInsecureFallback
                  caCertificateRefs: [{kind: ConfigMap, group: "", name: per-port-ca}]
            """));

        var listeners = result.Proto("infra", "gw").Listeners.ToDictionary(l => l.Name);
        Assert.Equal(defaultCa.Trim(), listeners["https"].ClientValidation.CaCertificatesPem.Trim());
        Assert.False(listeners["https"].ClientValidation.AllowInsecureFallback);
        Assert.Equal(perPortCa.Trim(), listeners["https-8443"].ClientValidation.CaCertificatesPem.Trim());
        Assert.True(listeners["https-8443"].ClientValidation.AllowInsecureFallback);
        Assert.Null(listeners["http"].ClientValidation);
        foreach (var name in new[] { "https", "https-8443", "http" })
        {
            Assert.Equal(("True", "Accepted"), ListenerConditions(result, name).Of("Accepted"));
            Assert.Equal(("True", "ResolvedRefs"), ListenerConditions(result, name).Of("ResolvedRefs"));
        }

        Assert.Equal(("True", "ConfigurationChanged"), result.GatewayStatus("infra", "gw").Conditions.Of("InsecureFrontendValidationMode"));
    }

    [Fact]
    public void A_listenerset_listener_that_falls_back_raises_the_gateways_insecure_condition()
    {
        var result = GatewayTestConfig.Compile(CaConfigMap("infra", "ca") + GatewayTestConfig.TlsSecret("infra", "cert") + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: infra}
            spec:
              gatewayClassName: skein
              allowedListeners: {namespaces: {from: Same}}
              tls:
                frontend:
                  default:
                    validation:
                      caCertificateRefs: [{kind: ConfigMap, name: ca}]
                  perPort:
                  - port: 9443
                    tls:
                      validation:
                        mode: AllowInsecureFallback
                        caCertificateRefs: [{kind: ConfigMap, name: ca}]
              listeners:
              - name: http
                port: 80
                protocol: HTTP
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: ls, namespace: infra}
            spec:
              parentRef: {name: gw, namespace: infra}
              listeners:
              - name: https-9443
                port: 9443
                protocol: HTTPS
                tls: {certificateRefs: [{name: cert}]}
            ---

            """);

        // The Gateway's own listeners never fall back (it has no HTTPS one); the ListenerSet's on 9443 does.
        Assert.Equal(("True", "ConfigurationChanged"), result.GatewayStatus("infra", "gw").Conditions.Of("InsecureFrontendValidationMode"));
    }

    [Fact]
    public void Without_insecure_fallback_the_gateway_has_no_insecure_condition()
    {
        var result = GatewayTestConfig.Compile(CaConfigMap("infra", "ca") + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: ca}]
            """));

        Assert.DoesNotContain(result.GatewayStatus("infra", "gw").Conditions, c => c.Type == "InsecureFrontendValidationMode");
    }

    [Fact]
    public void Invalid_references_fail_only_their_listener_with_the_spec_reasons()
    {
        var result = GatewayTestConfig.Compile(CaConfigMap("infra", "ca") + CaConfigMap("apps", "other-ns-ca") + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: ca}]
            perPort:
            - port: 7443
              tls:
                validation:
                  caCertificateRefs: [{kind: ConfigMap, name: missing}]
            - port: 8443
              tls:
                validation:
                  caCertificateRefs: [{kind: Service, name: infra-backend-v2}]
            - port: 6443
              tls:
                validation:
                  caCertificateRefs: [{kind: ConfigMap, name: other-ns-ca, namespace: apps}]
            - port: 80
              tls:
                validation:
                  caCertificateRefs: [{kind: ConfigMap, name: missing}]
            """, """
              - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
              - {name: unresolved, port: 7443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
              - {name: invalid-kind, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
              - {name: grant-missing, port: 6443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
              - {name: http, port: 80, protocol: HTTP}
            """));

        Assert.Equal(("True", "ResolvedRefs"), ListenerConditions(result, "https").Of("ResolvedRefs"));
        Assert.Equal(("True", "ResolvedRefs"), ListenerConditions(result, "http").Of("ResolvedRefs"));
        Assert.Equal(("True", "Programmed"), ListenerConditions(result, "http").Of("Programmed"));
        foreach (var (listener, reason) in new[] { ("unresolved", "InvalidCACertificateRef"), ("invalid-kind", "InvalidCACertificateKind"), ("grant-missing", "RefNotPermitted") })
        {
            var conditions = ListenerConditions(result, listener);
            Assert.Equal(("False", reason), conditions.Of("ResolvedRefs"));
            Assert.Equal(("False", "NoValidCACertificate"), conditions.Of("Accepted"));
            Assert.Equal("False", conditions.Condition("Programmed").Status);
        }

        // Proxies get only the listeners that validate clients as configured.
        Assert.Equal(["https", "http"], result.Proto("infra", "gw").Listeners.Select(l => l.Name));
        Assert.Equal(("True", "ListenersNotValid"), result.GatewayStatus("infra", "gw").Conditions.Of("Accepted"));
    }

    [Fact]
    public void A_grant_for_config_maps_permits_a_cross_namespace_ca()
    {
        var result = GatewayTestConfig.Compile(CaConfigMap("apps", "ca") + """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: grant, namespace: apps}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
              to: [{group: "", kind: ConfigMap}]
            ---

            """ + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: ca, namespace: apps}]
            """));

        Assert.Equal(("True", "ResolvedRefs"), ListenerConditions(result, "https").Of("ResolvedRefs"));
        Assert.NotNull(result.Proto("infra", "gw").Listeners.Single(l => l.Name == "https").ClientValidation);
    }

    [Fact]
    public void One_good_ca_among_bad_ones_keeps_the_listener_served_but_not_resolved()
    {
        var result = GatewayTestConfig.Compile(CaConfigMap("infra", "ca") + CaConfigMap("infra", "garbage", "not a certificate") + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: garbage}, {kind: ConfigMap, name: ca}]
            """));

        var conditions = ListenerConditions(result, "https");
        Assert.Equal(("False", "InvalidCACertificateRef"), conditions.Of("ResolvedRefs"));
        Assert.Contains("garbage", conditions.Condition("ResolvedRefs").Message, StringComparison.Ordinal);
        Assert.Equal(("True", "Accepted"), conditions.Of("Accepted"));
        Assert.Equal(("True", "Programmed"), conditions.Of("Programmed"));
        Assert.Contains("BEGIN CERTIFICATE", result.Proto("infra", "gw").Listeners.Single(l => l.Name == "https").ClientValidation.CaCertificatesPem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    public void A_ca_under_binaryData_as_base64_PEM_or_DER_validates_clients(string encoding)
    {
        var pem = NewCaPem("binary-ca");
        using var ca = X509Certificate2.CreateFromPem(pem);
        var bytes = encoding == "pem" ? System.Text.Encoding.UTF8.GetBytes(pem) : ca.RawData;
        var result = GatewayTestConfig.Compile($$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ca, namespace: infra}
            binaryData: {ca.crt: {{Convert.ToBase64String(bytes)}}}
            ---

            """ + Gateway("""
            default:
              validation:
                caCertificateRefs: [{kind: ConfigMap, name: ca}]
            """));

        Assert.Equal(("True", "ResolvedRefs"), ListenerConditions(result, "https").Of("ResolvedRefs"));
        Assert.Equal(pem.Trim(), result.Proto("infra", "gw").Listeners.Single(l => l.Name == "https").ClientValidation.CaCertificatesPem.Trim());
    }
}
