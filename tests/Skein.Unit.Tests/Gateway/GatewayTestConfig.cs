using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Control;
using Skein.Control.Gateway;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

/// <summary>Compiles Gateway API YAML (shaped like the conformance corpus's manifests) for the gateway tests.</summary>
internal static class GatewayTestConfig
{
    public const string Base = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: infra
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: apps
          labels:
            team: apps
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: infra-backend-v1, namespace: infra}
        spec:
          selector: {app: infra-backend-v1}
          ports: [{port: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: infra-backend-v2, namespace: infra}
        spec:
          selector: {app: infra-backend-v2}
          ports: [{port: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app-backend, namespace: apps}
        spec:
          selector: {app: app-backend}
          ports: [{port: 8080, appProtocol: kubernetes.io/h2c}]
        ---

        """;

    public static GatewayApiResult Compile(string yaml, string pool = GatewayAddressAllocator.DefaultPool)
    {
        var compiler = new GatewayApiCompiler(new ControlPlaneOptions { ConfigDirectory = ".", GatewayAddressPool = pool })
        {
            IsLocalAddress = IPAddress.IsLoopback,
        };
        return compiler.Compile(TestConfig.Store(Base + yaml).Current);
    }

    public static GatewayStatus GatewayStatus(this GatewayApiResult result, string ns, string name) =>
        (GatewayStatus)result.Statuses[new ResourceKey("Gateway", ns, name)];

    public static RouteStatus RouteStatus(this GatewayApiResult result, string kind, string ns, string name) =>
        (RouteStatus)result.Statuses[new ResourceKey(kind, ns, name)];

    public static SkeinProto.Gateway Proto(this GatewayApiResult result, string ns, string name) =>
        result.Gateways.Single(g => g.Name == $"{ns}/{name}").Proto;

    public static StatusCondition Condition(this IEnumerable<StatusCondition> conditions, string type) => conditions.Single(c => c.Type == type);

    public static (string Status, string Reason) Of(this IEnumerable<StatusCondition> conditions, string type)
    {
        var c = conditions.Condition(type);
        return (c.Status, c.Reason);
    }

    /// <summary>A kubernetes.io/tls Secret with a fresh self-signed certificate.</summary>
    public static string TlsSecret(string ns, string name, string host = "example.com")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var crt = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(certificate.ExportCertificatePem()));
        var pem = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        return $"""
            apiVersion: v1
            kind: Secret
            metadata: {"{"}name: {name}, namespace: {ns}{"}"}
            type: kubernetes.io/tls
            data:
              tls.crt: {crt}
              tls.key: {pem}
            ---

            """;
    }
}
