using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Names, namespaces, labels and annotations, shared by every kind.</summary>
public class MetadataValidationTests
{
    [Fact]
    public void NamespaceDefaultsToDefaultForNamespacedKinds()
    {
        var workload = Yaml.Single<WorkloadResource>("""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: w}
            spec: {addresses: [10.0.0.1], node: n}
            """);

        Assert.Equal("default", workload.Metadata.Namespace);
        Assert.Equal(new ResourceKey("Workload", "default", "w"), workload.Key);
        Assert.Equal("Workload/default/w", workload.Key.ToString());
    }

    [Fact]
    public void NamesAreDnsSubdomainsAndServiceNamesAreLabels()
    {
        Assert.Empty(Yaml.Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a.b-c}\n"));
        Assert.Equal(
            ["bad.yaml:3:18: metadata.name: \"a.b\" is not a valid Service name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"],
            Yaml.Errors("apiVersion: v1\nkind: Service\nmetadata: {name: a.b}\n"));
        Assert.Equal(
            ["bad.yaml:3:18: metadata.name: \"Bad_Name\" is not a valid name: use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
            Yaml.Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("hbone")]
    public void DataplaneModeAcceptsNoneAndHbone(string mode)
    {
        Assert.Empty(Yaml.Errors($"apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata: {{name: w, labels: {{skein.dev/dataplane-mode: {mode}}}}}\nspec: {{addresses: [10.0.0.1], node: n}}\n"));
        Assert.Empty(Yaml.Errors($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: legacy, labels: {{skein.dev/dataplane-mode: {mode}}}}}\n"));
    }

    [Fact]
    public void DataplaneModeRejectsOtherValuesWithFileLineAndField()
    {
        Assert.Equal(
            ["bad.yaml:5:38: metadata.labels[\"skein.dev/dataplane-mode\"]: \"ambient\" is not a dataplane mode: use none (outside the mesh) or hbone (in the mesh, the default)"],
            Yaml.Errors("apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata:\n  name: w\n  labels: {skein.dev/dataplane-mode: ambient}\nspec: {addresses: [10.0.0.1], node: n}\n"));
        Assert.Single(Yaml.Errors("apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {skein.dev/dataplane-mode: None}}\n"));
    }

    [Fact]
    public void NetworkGatewayLabelIsABoolean()
    {
        Assert.Empty(Yaml.Errors("apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata: {name: w, labels: {skein.dev/network-gateway: \"true\"}}\nspec: {addresses: [10.0.0.1], node: n}\n"));
        Assert.Equal(
            ["bad.yaml:5:39: metadata.labels[\"skein.dev/network-gateway\"]: \"always\" is not a boolean: use \"true\" (this workload relays federated peers' tunnels) or \"false\""],
            Yaml.Errors("apiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata:\n  name: w\n  labels: {skein.dev/network-gateway: always}\nspec: {addresses: [10.0.0.1], node: n}\n"));
    }

    [Fact]
    public void EmptyNameIsRejected()
    {
        Assert.Equal(["bad.yaml:3:18: metadata.name: must not be empty"], Yaml.Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"\"}\n"));
    }

    [Fact]
    public void NamespaceMustBeADnsLabel()
    {
        Assert.Equal(
            ["bad.yaml:3:32: metadata.namespace: \"my.ns\" is not a valid namespace: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"],
            Yaml.Errors("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: my.ns}\n"));
    }

    [Fact]
    public void ClusterScopedKindsRejectANamespace()
    {
        Assert.Equal(
            ["bad.yaml:3:32: metadata.namespace: must not be set: GatewayClass is cluster-scoped"],
            Yaml.Errors("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: a, namespace: x}\nspec: {controllerName: a.b/c}\n"));
    }

    [Fact]
    public void LabelKeysAndValuesFollowKubernetesRules()
    {
        var errors = Yaml.Errors($"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
              labels:
                example.com/ok: fine
                "-bad": x
                long: {new string('v', 64)}
                "Example.com/x": y
                empty: ""
            """);

        Assert.Equal(
            [
                "bad.yaml:7:13: metadata.labels[\"-bad\"]: \"-bad\" is not a valid key: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                $"bad.yaml:8:11: metadata.labels[\"long\"]: \"{new string('v', 64)}\" is not a valid label value: use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
                "bad.yaml:9:22: metadata.labels[\"Example.com/x\"]: \"Example.com/x\" is not a valid key: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            ],
            errors);
    }

    [Fact]
    public void AnnotationValuesAreFreeTextButKeysAreChecked()
    {
        var errors = Yaml.Errors("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
              annotations:
                note: "any text: at all, even 'quotes'"
                bad key: x
            """);

        Assert.Equal(["bad.yaml:7:14: metadata.annotations[\"bad key\"]: \"bad key\" is not a valid key: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"], errors);
    }

    [Fact]
    public void ServerPopulatedMetadataIsAcceptedFromKubectlOutput()
    {
        var configMap = Yaml.Single<ConfigMapResource>("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
              uid: 6f1c
              resourceVersion: "42"
              generation: 3
              creationTimestamp: "2025-02-03T04:05:06Z"
              managedFields:
              - manager: kubectl
              selfLink: /api/v1/x
            """);

        Assert.Equal("42", configMap.Metadata.ResourceVersion);
        Assert.Equal(3, configMap.Metadata.Generation);
        Assert.Equal(new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.Zero), configMap.Metadata.CreationTimestamp);
    }

    [Fact]
    public void NullMapValueIsAnEmptyString()
    {
        var ns = Yaml.Single<NamespaceResource>("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    flag:\n");

        Assert.Equal("", ns.Metadata.Labels["flag"]);
    }
}
