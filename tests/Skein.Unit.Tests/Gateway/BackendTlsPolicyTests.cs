using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Skein.Control.Gateway;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

public sealed class BackendTlsPolicyTests
{
    private static readonly string CaPem = SelfSignedPem("CN=test-ca");

    // A TLS Service with two named ports, routed to on both; the CA ConfigMap the policies reference.
    private static readonly string Setup = $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: tls-svc, namespace: infra}
        spec:
          selector: {app: tls-backend}
          ports: [{name: https-1, port: 443, targetPort: 8443, appProtocol: HTTPS}, {name: https-2, port: 8443, targetPort: 8443}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: infra}
        spec:
          parentRefs: [{name: gw}]
          rules:
          - matches: [{path: {type: Exact, value: /one}}]
            backendRefs: [{name: tls-svc, port: 443}]
          - matches: [{path: {type: Exact, value: /two}}]
            backendRefs: [{name: tls-svc, port: 8443}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ca, namespace: infra}
        data:
          ca.crt: {{{JsonSerializer.Serialize(CaPem)}}}
        ---

        """;

    private static string Policy(string name, string validation, string? sectionName = null, string? created = null) => $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: {{{name}}}, namespace: infra{{{(created is null ? "" : $", creationTimestamp: \"{created}\"")}}}}
        spec:
          targetRefs: [{group: "", kind: Service, name: tls-svc{{{(sectionName is null ? "" : $", sectionName: {sectionName}")}}}}]
          validation: {{{validation}}}
        ---

        """;

    private const string ValidCa = """{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: abc.example.com}""";

    [Fact]
    public void A_valid_policy_makes_the_gateway_originate_TLS_and_is_accepted_against_the_gateway()
    {
        var result = GatewayTestConfig.Compile(Setup + Policy("p", ValidCa));

        var tls = Backend(result, 0).Tls;
        Assert.NotNull(tls);
        Assert.Equal("infra/p", tls.Policy);
        Assert.Equal("abc.example.com", tls.ServerName);
        Assert.Equal(CaPem.Trim(), tls.CaBundlePem.Trim());
        Assert.False(tls.SystemCa);
        Assert.Equal(["abc.example.com"], tls.DnsNames);
        Assert.Empty(tls.Uris);
        // appProtocol HTTPS is HTTP/1.1 inside the policy's TLS, not an unsupported protocol.
        Assert.Equal("", Backend(result, 0).AppProtocol);
        Assert.Equal(("True", "ResolvedRefs"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("ResolvedRefs"));

        var ancestor = PolicyStatus(result, "p").Ancestors.Single();
        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "infra", "gw"), (ancestor.AncestorRef.Group, ancestor.AncestorRef.Kind, ancestor.AncestorRef.Namespace, ancestor.AncestorRef.Name));
        Assert.Equal(("True", "Accepted"), ancestor.Conditions.Of("Accepted"));
        Assert.Equal(("True", "ResolvedRefs"), ancestor.Conditions.Of("ResolvedRefs"));
    }

    [Fact]
    public void A_policy_naming_a_port_governs_that_port_and_wins_over_a_policy_for_the_whole_service()
    {
        var result = GatewayTestConfig.Compile(Setup
            + Policy("whole", ValidCa.Replace("abc.example.com", "whole.example.com", StringComparison.Ordinal))
            + Policy("port", ValidCa.Replace("abc.example.com", "port.example.com", StringComparison.Ordinal), sectionName: "https-1"));

        Assert.Equal("port.example.com", Backend(result, 0).Tls.ServerName);
        Assert.Equal("whole.example.com", Backend(result, 1).Tls.ServerName);
        Assert.Equal(("True", "Accepted"), PolicyStatus(result, "whole").Ancestors.Single().Conditions.Of("Accepted"));
        Assert.Equal(("True", "Accepted"), PolicyStatus(result, "port").Ancestors.Single().Conditions.Of("Accepted"));
    }

    [Theory]
    [InlineData("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "b")]
    [InlineData("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "a")]
    public void Of_two_policies_for_the_same_target_the_oldest_then_the_first_by_name_wins_and_the_other_is_conflicted(string createdA, string createdB, string winner)
    {
        var result = GatewayTestConfig.Compile(Setup
            + Policy("a", ValidCa.Replace("abc.example.com", "a.example.com", StringComparison.Ordinal), created: createdA)
            + Policy("b", ValidCa.Replace("abc.example.com", "b.example.com", StringComparison.Ordinal), created: createdB));

        var loser = winner == "a" ? "b" : "a";
        Assert.Equal($"{winner}.example.com", Backend(result, 0).Tls.ServerName);
        Assert.Equal(("True", "Accepted"), PolicyStatus(result, winner).Ancestors.Single().Conditions.Of("Accepted"));
        // The loser is still reported against the Gateway routing to the Service, so its owner sees why it does nothing.
        Assert.Equal(("False", "Conflicted"), PolicyStatus(result, loser).Ancestors.Single().Conditions.Of("Accepted"));
    }

    [Theory]
    [InlineData("""{caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}], hostname: abc.example.com}""", "InvalidCACertificateRef", "does not exist")]
    [InlineData("""{caCertificateRefs: [{group: "", kind: ConfigMap, name: empty}], hostname: abc.example.com}""", "InvalidCACertificateRef", "has no ca.crt")]
    [InlineData("""{caCertificateRefs: [{group: "", kind: ConfigMap, name: garbage}], hostname: abc.example.com}""", "InvalidCACertificateRef", "no PEM certificate")]
    [InlineData("""{caCertificateRefs: [{group: invalid.io, kind: InvalidKind, name: ca}], hostname: abc.example.com}""", "InvalidKind", "only core ConfigMaps")]
    public void A_policy_without_a_usable_CA_is_not_accepted_and_requests_to_its_backend_answer_500(string validation, string reason, string message)
    {
        var result = GatewayTestConfig.Compile(Setup + Policy("p", validation) + """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: empty, namespace: infra}
            data: {}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: garbage, namespace: infra}
            data: {ca.crt: "not a certificate"}
            ---

            """);

        var conditions = PolicyStatus(result, "p").Ancestors.Single().Conditions;
        Assert.Equal(("False", "NoValidCACertificate"), conditions.Of("Accepted"));
        Assert.Equal(("False", reason), conditions.Of("ResolvedRefs"));
        Assert.Contains(message, conditions.Condition("ResolvedRefs").Message, StringComparison.Ordinal);
        var backend = Backend(result, 0);
        Assert.Null(backend.Tls);
        Assert.Contains("BackendTLSPolicy infra/p", backend.InvalidReason, StringComparison.Ordinal);
        // The route's own references resolve; the policy's problem is reported on the policy.
        Assert.Equal(("True", "ResolvedRefs"), result.RouteStatus("HTTPRoute", "infra", "r").Parents.Single().Conditions.Of("ResolvedRefs"));
    }

    [Fact]
    public void One_usable_CA_among_invalid_refs_keeps_the_policy_accepted_with_ResolvedRefs_false()
    {
        var result = GatewayTestConfig.Compile(Setup + Policy("p",
            """{caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}, {group: "", kind: ConfigMap, name: ca}], hostname: abc.example.com}"""));

        var conditions = PolicyStatus(result, "p").Ancestors.Single().Conditions;
        Assert.Equal(("True", "Accepted"), conditions.Of("Accepted"));
        Assert.Equal(("False", "InvalidCACertificateRef"), conditions.Of("ResolvedRefs"));
        Assert.Equal(CaPem.Trim(), Backend(result, 0).Tls.CaBundlePem.Trim());
    }

    [Fact]
    public void Subject_alt_names_replace_the_hostname_as_the_names_verified_and_the_hostname_stays_the_SNI()
    {
        var result = GatewayTestConfig.Compile(Setup + Policy("p",
            """{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}], hostname: abc.example.com, subjectAltNames: [{type: Hostname, hostname: def.example.com}, {type: URI, uri: "spiffe://abc.example.com/test-identity"}]}"""));

        var tls = Backend(result, 0).Tls;
        Assert.Equal("abc.example.com", tls.ServerName);
        Assert.Equal(["def.example.com"], tls.DnsNames);
        Assert.Equal(["spiffe://abc.example.com/test-identity"], tls.Uris);
    }

    [Fact]
    public void Well_known_system_CAs_are_passed_as_system_trust()
    {
        var result = GatewayTestConfig.Compile(Setup + Policy("p", "{wellKnownCACertificates: System, hostname: abc.example.com}"));

        var tls = Backend(result, 0).Tls;
        Assert.True(tls.SystemCa);
        Assert.Equal("", tls.CaBundlePem);
        Assert.Equal(("True", "Accepted"), PolicyStatus(result, "p").Ancestors.Single().Conditions.Of("Accepted"));
    }

    [Fact]
    public void A_policy_no_route_uses_has_no_ancestors_and_services_without_a_policy_stay_plaintext()
    {
        var result = GatewayTestConfig.Compile(Setup.Replace("name: tls-svc, port: 443", "name: infra-backend-v1, port: 8080", StringComparison.Ordinal)
            .Replace("name: tls-svc, port: 8443", "name: infra-backend-v1, port: 8080", StringComparison.Ordinal) + Policy("p", ValidCa));

        Assert.Empty(PolicyStatus(result, "p").Ancestors);
        Assert.Null(Backend(result, 0).Tls);
    }

    [Fact]
    public void The_gateways_backend_client_certificate_is_sent_to_its_proxies_and_reported_in_ResolvedRefs()
    {
        const string Gateway = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: client, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
              tls: {backend: {clientCertificateRef: {group: "", kind: Secret, name: SECRET}}}
            ---

            """;
        var result = GatewayTestConfig.Compile(Gateway.Replace("SECRET", "client-cert", StringComparison.Ordinal) + GatewayTestConfig.TlsSecret("infra", "client-cert"));

        Assert.Equal("infra/client-cert", result.Proto("infra", "client").BackendClientCertificate.Source);
        Assert.Equal(("True", "ResolvedRefs"), result.GatewayStatus("infra", "client").Conditions.Of("ResolvedRefs"));

        var missing = GatewayTestConfig.Compile(Gateway.Replace("SECRET", "nope", StringComparison.Ordinal));
        Assert.Null(missing.Proto("infra", "client").BackendClientCertificate);
        Assert.Equal(("False", "InvalidClientCertificateRef"), missing.GatewayStatus("infra", "client").Conditions.Of("ResolvedRefs"));
        // Gateways without spec.tls.backend report no Gateway-level ResolvedRefs at all.
        Assert.DoesNotContain(GatewayTestConfig.Compile(Setup).GatewayStatus("infra", "gw").Conditions, c => c.Type == "ResolvedRefs");
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    public void A_ca_under_binaryData_as_base64_PEM_or_DER_is_trusted_like_one_under_data(string encoding)
    {
        using var ca = X509Certificate2.CreateFromPem(CaPem);
        var bytes = encoding == "pem" ? System.Text.Encoding.UTF8.GetBytes(CaPem) : ca.RawData;
        var result = GatewayTestConfig.Compile(Setup.Replace("name: ca,", "name: text-ca,", StringComparison.Ordinal) + Policy("p", ValidCa) + $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ca, namespace: infra}
            binaryData: {ca.crt: {{Convert.ToBase64String(bytes)}}}
            ---

            """);

        Assert.Equal(CaPem.Trim(), Backend(result, 0).Tls.CaBundlePem.Trim());
        Assert.Equal(("True", "ResolvedRefs"), PolicyStatus(result, "p").Ancestors.Single().Conditions.Of("ResolvedRefs"));
    }

    [Fact]
    public void A_binaryData_ca_that_is_neither_PEM_nor_DER_is_an_invalid_reference()
    {
        var result = GatewayTestConfig.Compile(Setup.Replace("name: ca,", "name: text-ca,", StringComparison.Ordinal) + Policy("p", ValidCa) + """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ca, namespace: infra}
            binaryData: {ca.crt: bm90IGEgY2VydGlmaWNhdGU=}
            ---

            """);

        var conditions = PolicyStatus(result, "p").Ancestors.Single().Conditions;
        Assert.Equal(("False", "InvalidCACertificateRef"), conditions.Of("ResolvedRefs"));
        Assert.Contains("neither PEM nor a DER certificate", conditions.Condition("ResolvedRefs").Message, StringComparison.Ordinal);
    }

    private static SkeinProto.BackendRef Backend(GatewayApiResult result, int rule) =>
        result.Proto("infra", "gw").Listeners.Single().HttpRoutes.Single(r => r.RuleIndex == rule).Backends.Single().Backend;

    private static PolicyStatus PolicyStatus(GatewayApiResult result, string name) =>
        (PolicyStatus)result.Statuses[new ResourceKey("BackendTLSPolicy", "infra", name)];

    private static string SelfSignedPem(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }
}
