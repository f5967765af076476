using System.Diagnostics;
using System.Threading.Channels;

namespace Skein.Hbone.Tests;

/// <summary>A Node.js interop script run as a real process; its stdout lines can be awaited, and it is killed on dispose.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private NodeProcess(Process process) => _process = process;

    public static NodeProcess Start(string script, params string[] arguments)
    {
        var node = File.Exists("/usr/bin/node") ? "/usr/bin/node" : "node";
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "interop", script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info };
        var result = new NodeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            // A null line is stdout's end; Exited can fire before the last lines are delivered, so it is not used.
            if (e.Data is null)
            {
                result._lines.Writer.TryComplete();
            }
            else
            {
                result._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._stderr)
                {
                    result._stderr.Add(e.Data);
                }
            }
        };
        Assert.True(process.Start(), "node did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/> and returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..].Trim();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        string stderr;
        lock (_stderr)
        {
            stderr = string.Join('\n', _stderr);
        }
        throw new Xunit.Sdk.XunitException($"node never printed '{prefix}'. stderr:\n{stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }
        _process.Dispose();
    }
}
