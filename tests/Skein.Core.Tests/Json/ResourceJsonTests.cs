using System.Text.Json;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

public class ResourceJsonTests
{
    [Fact]
    public void SerializesKubernetesShapeOmittingNullsAndEmptyCollections()
    {
        var workload = new WorkloadResource
        {
            Metadata = { Name = "w", Namespace = "shop", Labels = { ["app"] = "web" } },
            Spec = { Addresses = ["10.0.0.1"], Node = "n" },
        };

        Assert.Equal(
            """{"apiVersion":"skein.dev/v1alpha1","kind":"Workload","metadata":{"name":"w","namespace":"shop","labels":{"app":"web"}},"spec":{"addresses":["10.0.0.1"],"serviceAccount":"default","node":"n"}}""",
            ResourceJson.Serialize(workload));
    }

    [Fact]
    public void SourceAndKeyAreNotSerialized()
    {
        var ns = new NamespaceResource { Metadata = { Name = "a" }, Source = new SourceLocation("f.yaml", 3) };

        var json = ResourceJson.Serialize(ns);

        Assert.DoesNotContain("source", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("key", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("isNamespaced", json, StringComparison.Ordinal);
    }

    [Fact]
    public void IndentedOutputIsIndented()
    {
        var json = ResourceJson.Serialize(new NamespaceResource { Metadata = { Name = "a" } }, indented: true);

        Assert.Contains("\n  \"kind\": \"Namespace\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ListIsAKubernetesList()
    {
        var json = ResourceJson.SerializeList([new NamespaceResource { Metadata = { Name = "a" } }, new ConfigMapResource { Metadata = { Name = "b" } }]);

        using var doc = JsonDocument.Parse(json);
        Assert.Equal("List", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("v1", doc.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal(["Namespace", "ConfigMap"], doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString()));
    }

    [Fact]
    public void OptionsAreUsableForOtherModelTypes()
    {
        var json = JsonSerializer.Serialize(new LoadBalancerSettings { Type = LoadBalancerType.RoundRobin }, ResourceJson.Options);

        Assert.Equal("""{"type":"ROUND_ROBIN"}""", json);
    }

    [Fact]
    public void YamlQuotesStringsThatWouldReadBackAsOtherTypes()
    {
        var configMap = new ConfigMapResource
        {
            Metadata = { Name = "c" },
            Data = { ["a"] = "true", ["b"] = "1.0", ["c"] = "", ["d"] = "plain", ["e"] = "yes", ["f"] = "line1\nline2\n", ["g"] = "null" },
        };

        var yaml = ResourceJson.ToYaml(configMap);

        Assert.Equal(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
            data:
              a: "true"
              b: "1.0"
              c: ""
              d: plain
              e: "yes"
              f: |
                line1
                line2
              g: "null"

            """,
            yaml);
        Assert.Equal(configMap.Data, Assert.IsType<ConfigMapResource>(Assert.Single(ResourceLoader.LoadText(yaml, "out.yaml").Resources)).Data);
    }

    [Fact]
    public void YamlOfSeveralResourcesIsMultiDocument()
    {
        var yaml = ResourceJson.ToYaml([new NamespaceResource { Metadata = { Name = "a" } }, new NamespaceResource { Metadata = { Name = "b" } }]);

        var result = ResourceLoader.LoadText(yaml, "out.yaml");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(["a", "b"], result.Resources.Select(r => r.Metadata.Name));
        Assert.Contains("\n---\n", yaml, StringComparison.Ordinal);
    }
}
