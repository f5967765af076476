using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>A real process started by a test: output captured, killed with its tree on dispose.</summary>
public sealed partial class TestProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private TestProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _lines);

    /// <summary>Runs <c>skein</c> (the built CLI next to the test assembly) with the dotnet host.</summary>
    public static TestProcess Skein(string name, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        Start(name, DotnetHost, [Path.Combine(AppContext.BaseDirectory, "skein.dll"), .. args], env);

    /// <summary>Runs a sample app shipped next to the test assembly.</summary>
    public static TestProcess Sample(string name, string assembly, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        Start(name, DotnetHost, [Path.Combine(AppContext.BaseDirectory, assembly + ".dll"), .. args], env);

    public static TestProcess Start(string name, string fileName, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Everything a test starts exits with the test host, even when a failed set-up never reaches Dispose.
        info.Environment["SKEIN_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return new TestProcess(name, Process.Start(info)!);
    }

    public static string DotnetHost
    {
        get
        {
            var self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }

            var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
            {
                return Path.Combine(root, "dotnet");
            }

            var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var candidate = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
            return File.Exists(candidate) ? candidate : "dotnet";
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until a line of output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                // The exit can be seen before the last lines are read: WaitForExitAsync also waits for the output to drain.
                await _process.WaitForExitAsync();
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before printing \"{text}\":\n{Output}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{Name} did not print \"{text}\" within {timeout}:\n{Output}");
    }

    /// <summary>Closes the process's standard input (end of file), as a pipe from `echo` would.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    public void Signal(int signal) => _ = SendSignal(_process.Id, signal);

    public void KillHard() => _process.Kill(entireProcessTree: false);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    // Process.Kill sends SIGKILL only; tests of graceful shutdown need SIGINT/SIGTERM.
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
