using Skein.Core.Configuration;
using Skein.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Tests;

/// <summary>deploy/crds/skein.dev.yaml is what the model generates, so kubectl and Skein agree on every field.</summary>
public class CustomResourceDefinitionTests
{
    private static readonly string CrdFile = Path.Combine(RepoPaths.Root, "deploy", "crds", "skein.dev.yaml");

    [Fact]
    public void The_checked_in_crds_are_the_generated_ones()
    {
        var generated = CustomResourceDefinitions.RenderYaml();
        if (Environment.GetEnvironmentVariable("SKEIN_UPDATE_CRDS") == "1")
        {
            File.WriteAllText(CrdFile, generated);
        }

        Assert.True(File.Exists(CrdFile), $"{CrdFile} is missing: run with SKEIN_UPDATE_CRDS=1");
        Assert.Equal(generated, File.ReadAllText(CrdFile));
    }

    [Fact]
    public void Every_skein_kind_has_a_crd_whose_spec_schema_lists_every_field()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(CustomResourceDefinitions.RenderYaml()));
        var byKind = yaml.Documents.ToDictionary(
            d => ((YamlScalarNode)d.RootNode["spec"]["names"]["kind"]).Value!,
            d => (YamlMappingNode)d.RootNode["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]);

        foreach (var kind in ResourceKinds.All.Where(k => k.PreferredApiVersion.StartsWith("skein.dev/", StringComparison.Ordinal)))
        {
            Assert.True(byKind.TryGetValue(kind.Kind, out var properties), $"no CRD for {kind.Kind}");
            var specType = kind.ClrType.GetProperty("Spec")!.PropertyType;
            foreach (var property in specType.GetProperties().Where(p => p.SetMethod is { IsPublic: true }))
            {
                var name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
                Assert.True(properties.Children.ContainsKey(new YamlScalarNode(name)), $"{kind.Kind}: spec.{name} is not in the CRD schema");
            }
        }

        Assert.Equal("authorizationpolicies", CustomResourceDefinitions.Plural("AuthorizationPolicy"));
        Assert.Equal("telemetries", CustomResourceDefinitions.Plural("Telemetry"));
    }
}
