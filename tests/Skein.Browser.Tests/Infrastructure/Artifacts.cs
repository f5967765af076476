namespace Skein.Browser.Tests.Infrastructure;

/// <summary>Test artifacts (screenshots) go under the repository's <c>artifacts/</c>, next to the test results.</summary>
public static class Artifacts
{
    public static string Screenshots
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Skein.slnx")))
            {
                dir = dir.Parent;
            }

            var root = dir?.FullName ?? Directory.GetCurrentDirectory();
            var path = Path.Combine(root, "artifacts", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }
}
