using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>Loading files and directories: recursion, ordering, missing paths, duplicates across files.</summary>
public sealed class LoadPathsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skein-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DirectoriesAreWalkedRecursivelyInOrdinalOrder()
    {
        Write("b.yaml", Namespace("b"));
        Write("a.yml", Namespace("a"));
        Write("sub/c.yaml", Namespace("c"));
        Write("Z.yaml", Namespace("z"));
        Write("notes.txt", "not yaml");

        var result = ResourceLoader.LoadPaths([_dir]);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(["z", "a", "b", "c"], result.Resources.Select(r => r.Metadata.Name));
        Assert.Equal(Path.Combine(_dir, "sub", "c.yaml"), result.Resources[3].Source!.File);
    }

    [Fact]
    public void MissingPathIsAnErrorNamingIt()
    {
        var missing = Path.Combine(_dir, "nope.yaml");

        var result = ResourceLoader.LoadPaths([missing]);

        Assert.Equal([$"{missing}:0:0: (document): no such file or directory"], result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void DuplicateAcrossFilesIsReportedAtTheSecondNamingTheFirst()
    {
        var first = Write("one.yaml", Namespace("x") + "---\n" + Workload("reviews"));
        var second = Write("two.yaml", "# second copy\n" + Workload("reviews"));

        var result = ResourceLoader.LoadPaths([first, second]);

        Assert.Equal([$"{second}:6:9: metadata.name: duplicate Workload/default/reviews: already defined at {first}:6"], result.Errors.Select(e => e.ToString()));
        Assert.Equal(2, result.Resources.Count);
    }

    [Fact]
    public void SameNameInDifferentNamespacesOrKindsIsNotADuplicate()
    {
        var file = Write("all.yaml", Workload("reviews") + "---\n" + Workload("reviews", "other") + "---\n" + """
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: 80

            """);

        var result = ResourceLoader.LoadFile(file);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(3, result.Resources.Count);
    }

    [Fact]
    public void DuplicateWithinOneTextIsReported()
    {
        var errors = Yaml.Errors(Namespace("a") + "---\n" + Namespace("a"));

        Assert.Equal(["bad.yaml:9:9: metadata.name: duplicate Namespace/a: already defined at bad.yaml:1"], errors);
    }

    [Fact]
    public void IgnoreUnknownKindsSkipsThemSilently()
    {
        var yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}\n---\n" + Namespace("a");

        var strict = ResourceLoader.LoadText(yaml, "x.yaml");
        var lenient = ResourceLoader.LoadText(yaml, "x.yaml", new LoadOptions { IgnoreUnknownKinds = true });

        Assert.False(strict.Ok);
        Assert.True(lenient.Ok);
        Assert.IsType<NamespaceResource>(Assert.Single(lenient.Resources));
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Namespace(string name) => $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n";

    private static string Workload(string name, string ns = "default") => $"""
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          namespace: {ns}
          name: {name}
        spec:
          addresses: [10.0.0.1]
          node: node-a

        """;
}
