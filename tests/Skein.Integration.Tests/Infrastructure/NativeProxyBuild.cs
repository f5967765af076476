using System.Diagnostics;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>The ahead-of-time node proxy (<c>skein-proxy</c>): the one scripts/test.sh published, or one published here.</summary>
public static class NativeProxyBuild
{
    private static readonly Lazy<Task<string>> Build = new(PublishAsync);

    /// <summary>Path of the executable; publishing it takes a minute or two the first time when SKEIN_NATIVE_PROXY is unset.</summary>
    public static Task<string> PathAsync() => Build.Value;

    private static async Task<string> PublishAsync()
    {
        if (Environment.GetEnvironmentVariable("SKEIN_NATIVE_PROXY") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new InvalidOperationException($"SKEIN_NATIVE_PROXY={given} does not exist");
        }

        var repo = FindRepo();
        var output = Path.Combine(Path.GetTempPath(), $"skein-proxy-{Environment.ProcessId}");
        var info = new ProcessStartInfo(TestProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "publish", Path.Combine(repo, "src/Skein.Proxy.Native"), "-c", "Release", "-r", "linux-x64", "-nologo", "-v", "q", "-o", output })
        {
            info.ArgumentList.Add(arg);
        }

        using var publish = Process.Start(info)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await publish.WaitForExitAsync(timeout.Token);
        var executable = Path.Combine(output, "skein-proxy");
        if (publish.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException($"dotnet publish src/Skein.Proxy.Native failed ({publish.ExitCode}; it needs clang and zlib1g-dev, which scripts/test.sh installs):\n{await stdout}\n{await stderr}");
        }

        return executable;
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skein.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Skein.slnx above {AppContext.BaseDirectory}");
    }
}
