using System.Diagnostics;

namespace Skein.Bench;

/// <summary>Every process the benchmark starts, so all of them are stopped at the end whatever happens.</summary>
public sealed class ChildProcesses : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly string _logDir;

    /// <summary>Creates the set; each child's stdout and stderr go to <c>logDir/NAME.log</c>.</summary>
    public ChildProcesses(string logDir) => _logDir = logDir;

    /// <summary>Starts a long-running child whose output is logged to a file.</summary>
    public Process Start(string name, string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var log = new StreamWriter(Path.Combine(_logDir, name + ".log"), append: false) { AutoFlush = true };
        log.WriteLine($"# {DateTime.UtcNow:O} {file} {string.Join(' ', info.ArgumentList)}");
        var p = new Process { StartInfo = info, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => Write(log, e.Data);
        p.ErrorDataReceived += (_, e) => Write(log, e.Data);
        p.Exited += (_, _) => Write(log, $"# exited with code {SafeExitCode(p)} at {DateTime.UtcNow:O}");
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (_processes)
        {
            _processes.Add(p);
        }

        return p;
    }

    /// <summary>Stops one child (and its descendants) and waits for it.</summary>
    public static void Stop(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Stops every child still running.</summary>
    public void Dispose()
    {
        Process[] all;
        lock (_processes)
        {
            // Newest first: the proxies go before the control plane and backend they depend on, so their
            // logs end without spurious "control plane unavailable" warnings.
            all = [.. Enumerable.Reverse(_processes)];
            _processes.Clear();
        }

        foreach (var p in all)
        {
            Stop(p);
            p.Dispose();
        }
    }

    /// <summary>Runs a short-lived tool to completion (killed on cancel) and returns its stdout and stderr.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        finally
        {
            Stop(p);
        }

        return (p.ExitCode, await stdout, await stderr);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }
}

/// <summary>CPU time and peak memory of a process, read from /proc.</summary>
public static class ProcStats
{
    // USER_HZ is 100 on every Linux architecture .NET runs on; sysconf(_SC_CLK_TCK) returns it.
    private const double ClockTicks = 100.0;

    /// <summary>utime + stime in seconds (all threads).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may contain spaces, so fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / ClockTicks;
    }

    /// <summary>Peak resident set size (VmHWM) in MiB.</summary>
    public static double PeakRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }
}
