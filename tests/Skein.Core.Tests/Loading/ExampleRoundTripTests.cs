using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>The full example of every kind loads cleanly and survives YAML → model → JSON/YAML → model unchanged.</summary>
public class ExampleRoundTripTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Examples, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void EverySupportedKindHasAnExample()
    {
        var result = ResourceLoader.LoadPaths([RepoPaths.Examples]);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(ResourceKinds.Names, result.Resources.Select(r => r.Kind).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ExampleRoundTripsThroughJson(string file)
    {
        var original = Yaml.Example<Resource>(file);
        var json = ResourceJson.Serialize(original);

        var reloaded = ResourceLoader.LoadText(json, file + ".json");

        Assert.True(reloaded.Ok, string.Join("\n", reloaded.Errors));
        Assert.Equal(json, ResourceJson.Serialize(Assert.Single(reloaded.Resources)));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void ExampleRoundTripsThroughYaml(string file)
    {
        var original = Yaml.Example<Resource>(file);
        var yaml = ResourceJson.ToYaml(original);

        var reloaded = ResourceLoader.LoadText(yaml, file + ".out");

        Assert.True(reloaded.Ok, string.Join("\n", reloaded.Errors) + "\n" + yaml);
        Assert.Equal(ResourceJson.Serialize(original), ResourceJson.Serialize(Assert.Single(reloaded.Resources)));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void JsonStartsWithTheKubernetesHeader(string file)
    {
        var node = ResourceJson.ToNode(Yaml.Example<Resource>(file));

        Assert.Equal(["apiVersion", "kind", "metadata"], node.Select(p => p.Key).Take(3));
    }
}
