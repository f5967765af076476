using System.Net;
using Skein.Conformance.Translation;
using Skein.Core.Configuration;

namespace Skein.Conformance.Tests;

public class TranslationTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Service
        metadata:
          name: infra-backend-v1
          namespace: infra
        spec:
          selector:
            app: infra-backend-v1
          ports:
            - name: first
              port: 8080
              targetPort: 3000
            - name: second
              port: 8081
              targetPort: 3001
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: infra-backend-v1
          namespace: infra
        spec:
          replicas: 2
          template:
            metadata:
              labels:
                app: infra-backend-v1
            spec:
              serviceAccountName: backend
              containers:
                - name: echo
                  image: registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: grpc-backend
          namespace: infra
        spec:
          template:
            spec:
              containers:
                - image: registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0
                  env:
                    - name: GRPC_ECHO_SERVER
                      value: "1"
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: manual
          namespace: infra
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: infra
        spec:
          gatewayClassName: "{GATEWAY_CLASS_NAME}"
          listeners:
            - name: http
              port: 80
              protocol: HTTP
        """;

    [Fact]
    public void DeploymentReplicasBecomeWorkloadsAndEchoPods()
    {
        var translated = Translate();
        Assert.Equal(2, translated.Pods.Count(p => p.Deployment == "infra-backend-v1"));
        var pod = translated.Pods[0];
        Assert.Equal("infra-backend-v1-0", pod.Name);
        Assert.Equal("infra", pod.Namespace);
        // The Service's target ports, since the Deployment declares none.
        Assert.Equal([3000, 3001], pod.Ports);
        Assert.NotEqual(translated.Pods[0].Address, translated.Pods[1].Address);
        Assert.Contains(new ResourceRef("Workload", "infra", "infra-backend-v1-1"), translated.Resources);
    }

    [Fact]
    public void TranslatedYamlLoadsCleanlyWithSkeinsOwnLoader()
    {
        var translated = Translate();
        var result = ResourceLoader.LoadText(translated.Yaml, "translated.yaml");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var workload = Assert.IsType<Skein.Core.Resources.WorkloadResource>(result.Resources.First(r => r.Kind == "Workload"));
        Assert.Equal("backend", workload.Spec.ServiceAccount);
        Assert.Equal("backend-node", workload.Spec.Node);
        Assert.Equal("infra-backend-v1", workload.Metadata.Labels["app"]);
        var gateway = Assert.IsType<Skein.Core.Resources.GatewayResource>(result.Resources.First(r => r.Kind == "Gateway"));
        Assert.Equal("skein", gateway.Spec.GatewayClassName);
    }

    [Fact]
    public void UnknownKindsAreDroppedWithReasonsAndGrpcEchoesKeptInTheirMode()
    {
        var translated = Translate();
        Assert.Contains(translated.Dropped, d => d.StartsWith("EndpointSlice/infra/manual", StringComparison.Ordinal));
        Assert.Equal(EchoMode.Grpc, translated.Pods.Single(p => p.Deployment == "grpc-backend").Mode);
        Assert.DoesNotContain("EndpointSlice", translated.Yaml);
        Assert.DoesNotContain("Deployment", translated.Yaml);
    }

    [Fact]
    public void AnEchoWithTlsServerCertServesItsMountedSecretOn8443AndHttpOn3000()
    {
        const string tlsBackend = """
            apiVersion: v1
            kind: Service
            metadata: {name: tls-backend, namespace: infra}
            spec:
              selector: {app: tls-backend}
              ports: [{port: 443, targetPort: 8443}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: tls-backend, namespace: infra}
            spec:
              template:
                metadata:
                  labels: {app: tls-backend}
                spec:
                  containers:
                    - image: registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0
                      volumeMounts:
                        - {name: secret-volume, mountPath: /etc/secret-volume}
                        - {name: configmap-volume, mountPath: /etc/configmap-volume/}
                      env:
                        - {name: TLS_SERVER_CERT, value: /etc/secret-volume/crt}
                        - {name: TLS_SERVER_PRIVKEY, value: /etc/secret-volume/key}
                        - {name: TLS_CLIENT_CACERTS, value: /etc/configmap-volume/ca.crt}
                  volumes:
                    - name: secret-volume
                      secret:
                        secretName: tls-checks-certificate
                        items: [{key: tls.crt, path: crt}, {key: tls.key, path: key}]
                    - name: configmap-volume
                      configMap: {name: tls-checks-ca-certificate}
            """;
        var translator = new ManifestTranslator("skein", "backend-node", ServicePorts.From([tlsBackend]), () => IPAddress.Parse("127.1.2.3"));

        var pod = translator.Translate([tlsBackend]).Pods.Single();

        Assert.Equal([3000, 8443], pod.Ports.Order());
        Assert.Equal([8443], pod.TlsPorts);
        Assert.Equal(new EchoTlsFiles(
            new MountedKey("Secret", "infra", "tls-checks-certificate", "tls.crt"),
            new MountedKey("Secret", "infra", "tls-checks-certificate", "tls.key"),
            new MountedKey("ConfigMap", "infra", "tls-checks-ca-certificate", "ca.crt")), pod.TlsFiles);
    }

    [Fact]
    public void TheBackendTlsMaterialLoadsAndChainsAsUpstreamsSuiteMakesIt()
    {
        var checks = new TlsChecks();
        var result = ResourceLoader.LoadText(string.Join("---\n", checks.Yaml("infra")), "tls-checks.yaml");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(4, result.Resources.Count);

        string Key(string kind, string name, string key) => checks.Content(new MountedKey(kind, "infra", name, key))!;
        using var serving = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
            Key("Secret", TlsChecks.ServingSecret, "tls.crt"), Key("Secret", TlsChecks.ServingSecret, "tls.key"));
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Key("ConfigMap", TlsChecks.CaConfigMap, "ca.crt"));
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        Assert.True(chain.Build(serving));
        Assert.True(Skein.Core.Identity.SubjectAltNames.Matches(serving, ["other.example.com"], []));
        Assert.True(Skein.Core.Identity.SubjectAltNames.Matches(serving, [], ["spiffe://abc.example.com/test-identity"]));
        Assert.Equal(checks.ClientCertificatePem, Key("Secret", TlsChecks.ClientSecret, "tls.crt"));
        Assert.Null(checks.Content(new MountedKey("ConfigMap", "infra", "nonexistent-ca-certificate", "ca.crt")));
    }

    private static TranslatedManifests Translate()
    {
        var next = 10;
        var translator = new ManifestTranslator("skein", "backend-node", ServicePorts.From([Manifests]), () => IPAddress.Parse($"127.1.2.{next++}"));
        return translator.Translate([Manifests]);
    }
}
