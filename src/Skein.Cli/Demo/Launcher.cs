using System.Diagnostics;
using System.Reflection;

namespace Skein.Cli.Demo;

/// <summary>Builds start infos for the skein binary itself and for the sample apps shipped next to it.</summary>
internal static class Launcher
{
    /// <summary>Starts <c>skein</c> the same way this process was started (apphost or <c>dotnet skein.dll</c>).</summary>
    public static ProcessStartInfo Skein(IEnumerable<string> args)
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(processPath);
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Starts a framework-dependent app (a sample) with the dotnet host.</summary>
    public static ProcessStartInfo DotnetApp(string assemblyFileName, IEnumerable<string> args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assemblyFileName);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"sample app {assemblyFileName} is not next to skein ({AppContext.BaseDirectory}); build the solution first", dll);
        }

        var info = new ProcessStartInfo(DotnetHost());
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet")
        {
            return p;
        }

        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"), Path.Combine(Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? "", "dotnet"), Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "../../..", "dotnet") })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return "dotnet";
    }
}
