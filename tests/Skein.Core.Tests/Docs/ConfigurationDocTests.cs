using System.Text.RegularExpressions;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>docs/configuration.md stays in step with the model: its examples load and every field is described.</summary>
public partial class ConfigurationDocTests
{
    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "configuration.md")));

    [Fact]
    public void EveryYamlBlockInTheDocLoadsCleanly()
    {
        var blocks = YamlBlock().Matches(Doc.Value).Select(m => m.Groups[1].Value).ToArray();

        Assert.True(blocks.Length >= ResourceKinds.All.Count);
        foreach (var block in blocks)
        {
            var result = ResourceLoader.LoadText(block, "configuration.md");
            Assert.True(result.Ok, string.Join("\n", result.Errors) + "\n" + block);
        }
    }

    [Fact]
    public void EveryKindHasASection()
    {
        foreach (var kind in ResourceKinds.All)
        {
            Assert.Contains($"\n### {kind.Kind}\n", Doc.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryFieldOfEveryKindIsDocumented()
    {
        var missing = new List<string>();
        var seen = new HashSet<Type>();
        foreach (var kind in ResourceKinds.All)
        {
            Visit(kind.ClrType, kind.Kind);
        }

        Assert.True(missing.Count == 0, "not in docs/configuration.md: " + string.Join(", ", missing));

        void Visit(Type type, string owner)
        {
            if (!seen.Add(type))
            {
                return;
            }

            foreach (var field in TypeModel.For(type).Properties)
            {
                // A field is documented when it appears as the last segment of a backticked path.
                if (!Regex.IsMatch(Doc.Value, $@"[`.]{Regex.Escape(field.Name)}`"))
                {
                    missing.Add($"{owner}: {field.Name}");
                }

                if (ElementType(field.Type) is { } element && PropertyModel.IsPlainClass(element))
                {
                    Visit(element, owner);
                }
            }
        }
    }

    private static Type? ElementType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            return ElementType(t.GetGenericArguments()[0]);
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return ElementType(t.GetGenericArguments()[1]);
        }

        return t;
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
