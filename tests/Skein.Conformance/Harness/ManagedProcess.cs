using System.Collections.Concurrent;
using System.Diagnostics;

namespace Skein.Conformance.Harness;

/// <summary>A process the runner started: output kept (bounded), killed with its tree on dispose.</summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private const int MaxLines = 4000;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ManagedProcess(string name, Process process, Action<string>? onLine)
    {
        Name = name;
        _process = process;
        DataReceivedEventHandler handler = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            onLine?.Invoke(e.Data);
            _lines.Enqueue(e.Data);
            while (_lines.Count > MaxLines && _lines.TryDequeue(out string? _))
            {
            }
        };
        _process.OutputDataReceived += handler;
        _process.ErrorDataReceived += handler;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A short name for messages ("control", "echo infra-backend-v1-0").</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only valid once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process printed (stdout and stderr).</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>Starts a .NET assembly shipped next to the runner (skein.dll, Skein.Samples.Echo.dll) with the dotnet host.</summary>
    public static ManagedProcess StartAssembly(string name, string assembly, IEnumerable<string> args, IDictionary<string, string>? env = null, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return new ManagedProcess(name, Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}"), onLine);
    }

    /// <summary>Runs a short command to completion and returns its standard output.</summary>
    public static async Task<string> RunToEndAsync(string assembly, IEnumerable<string> args, CancellationToken ct)
    {
        await using var process = StartAssembly(assembly, assembly, args);
        await process._process.WaitForExitAsync(ct);
        // Let the asynchronous readers drain the last lines.
        process._process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{assembly} {string.Join(' ', args)} exited with {process.ExitCode}:\n{process.Output}");
        }

        return process.Output;
    }

    /// <summary>The dotnet host running this process (so children use the same runtime).</summary>
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

    /// <summary>Kills the process and its children now (used from signal handlers too, so it never waits).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
    }
}
