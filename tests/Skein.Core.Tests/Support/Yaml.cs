using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Short helpers for loading YAML snippets in tests.</summary>
internal static class Yaml
{
    public const string File = "bad.yaml";

    public static LoadResult Load(string yaml) => ResourceLoader.LoadText(yaml, File);

    /// <summary>All errors of a snippet, formatted as users see them.</summary>
    public static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    /// <summary>Asserts the exact errors of a snippet, printing all of them in full on mismatch.</summary>
    public static void AssertErrors(string yaml, params string[] expected)
    {
        var actual = Errors(yaml);
        if (!actual.SequenceEqual(expected))
        {
            Assert.Fail("Expected:\n" + string.Join("\n", expected) + "\nActual:\n" + string.Join("\n", actual));
        }
    }

    /// <summary>Loads a snippet that must be valid and contain exactly one resource of type T.</summary>
    public static T Single<T>(string yaml)
        where T : Resource
    {
        var result = Load(yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return Assert.IsAssignableFrom<T>(Assert.Single(result.Resources));
    }

    /// <summary>Loads a file of the Examples folder.</summary>
    public static T Example<T>(string fileName)
        where T : Resource
    {
        var result = ResourceLoader.LoadFile(Path.Combine(RepoPaths.Examples, fileName));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return Assert.IsAssignableFrom<T>(Assert.Single(result.Resources));
    }
}
