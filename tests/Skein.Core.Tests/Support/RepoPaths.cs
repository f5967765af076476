namespace Skein.Core.Tests;

/// <summary>Locations of the repository, the test examples and the shared conformance corpus.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder holding Directory.Build.props.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The full example of every kind, copied next to the test assembly.</summary>
    public static string Examples => Path.Combine(AppContext.BaseDirectory, "Examples");

    /// <summary>The Gateway API conformance corpus shared beside the repository.</summary>
    public static string GatewayApiCorpus => Path.GetFullPath(Path.Combine(Root, "..", "shared", "conformance", "gateway-api"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Directory.Build.props not found above " + AppContext.BaseDirectory);
    }
}
