using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Skein.Cli.Demo;

/// <summary>A process the demo supervises: its output goes to a log file; stopping is graceful, then forced.</summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private ChildProcess(string name, Process process, StreamWriter log, Task pumps)
    {
        Name = name;
        _process = process;
        _log = log;
        _pumps = pumps;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; private init; } = "";

    public static ChildProcess Start(string name, ProcessStartInfo info, string logPath)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true; // the demo's own console stays the demo's
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var sync = TextWriter.Synchronized(log);
        var pumps = Task.WhenAll(Pump(process.StandardOutput, sync), Pump(process.StandardError, sync));
        return new ChildProcess(name, process, log, pumps) { LogPath = logPath };
    }

    private static async Task Pump(StreamReader reader, TextWriter log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            await log.WriteLineAsync(line);
        }
    }

    /// <summary>SIGTERM, then SIGKILL of the whole tree if it has not exited within the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        // .NET's Process.Kill only sends SIGKILL; a graceful stop needs kill(2) with SIGTERM.
        _ = Kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _pumps.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        await _log.DisposeAsync();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
