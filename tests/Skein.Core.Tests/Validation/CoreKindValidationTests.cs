using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Service, Secret and ConfigMap rules.</summary>
public class CoreKindValidationTests
{
    [Fact]
    public void ServicePortsNeedUniqueNamesWhenThereAreSeveral()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec:
              ports:
              - {name: http, port: 80}
              - {port: 81}
              - {name: http, port: 82}
              - {name: other, port: 80}
            """);

        Assert.Equal(
            [
                "bad.yaml:7:5: spec.ports[1].name: required when the Service has more than one port",
                "bad.yaml:8:12: spec.ports[2].name: duplicate port name \"http\" (also spec.ports[0])",
                "bad.yaml:9:25: spec.ports[3].port: duplicate port 80/TCP (also spec.ports[0])",
            ],
            errors);
    }

    [Fact]
    public void ServiceClusterIpAndExternalName()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec:
              type: ExternalName
              clusterIP: not-an-ip
            """);

        Assert.Equal(
            [
                "bad.yaml:5:3: spec.externalName: required when type is ExternalName",
                "bad.yaml:6:14: spec.clusterIP: \"not-an-ip\" is not valid: use an IP address, \"None\" (headless) or leave it empty",
            ],
            errors);
    }

    [Fact]
    public void HeadlessServiceIsValid()
    {
        var service = Yaml.Single<ServiceResource>("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None, ports: [{port: 80, targetPort: 8080}]}\n");

        Assert.Equal("None", service.Spec.ClusterIP);
    }

    [Fact]
    public void SecretDataMustBeBase64WithoutEchoingTheValue()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Secret
            metadata: {name: s}
            data:
              password: hunter2!
            """);

        Assert.Equal(["bad.yaml:5:13: data[\"password\"]: value is not valid base64"], errors);
    }

    [Fact]
    public void TlsSecretNeedsCertificateAndKey()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: Secret
            metadata: {name: s}
            type: kubernetes.io/tls
            data:
              tls.crt: AAAA
            """);

        Assert.Equal(["bad.yaml:6:3: data: a kubernetes.io/tls Secret needs the keys tls.crt and tls.key (missing: tls.key)"], errors);
    }

    [Fact]
    public void StringDataCountsForTlsKeys()
    {
        var secret = Yaml.Single<SecretResource>("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: {tls.crt: a, tls.key: b}\n");

        Assert.Equal(["tls.crt", "tls.key"], secret.Keys.Order());
    }

    [Fact]
    public void ConfigMapKeysAreCheckedAndNotDuplicatedInBinaryData()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
            data:
              "a/b": x
              ca.crt: y
            binaryData:
              ca.crt: AAAA
            """);

        Assert.Equal(
            [
                "bad.yaml:5:10: data[\"a/b\"]: \"a/b\" is not a valid key: use letters, digits, '-', '_' and '.'",
                "bad.yaml:8:11: binaryData[\"ca.crt\"]: key \"ca.crt\" is also in data",
            ],
            errors);
    }
}
