using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Skein.Samples.Tests;

/// <summary>A built sample app run as a real process on a free loopback port; dispose kills its whole tree.</summary>
public sealed class SampleProcess : IDisposable
{
    // Children must reach 127.0.0.1 directly even if the test machine exports a proxy.
    private static readonly string[] ProxyVariables = ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SampleProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the app listens, e.g. http://127.0.0.1:41234.</summary>
    public string BaseUrl { get; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="assembly"/> (a dll next to the tests) with <paramref name="args"/> plus --listen and --parent-pid.</summary>
    public static SampleProcess Start(string assembly, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, int? parentPid = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add($"127.0.0.1:{port}");
        // Tied to the test host too, so a crashed test run leaves no stray apps behind.
        info.ArgumentList.Add("--parent-pid");
        info.ArgumentList.Add((parentPid ?? Environment.ProcessId).ToString());

        foreach (var name in ProxyVariables)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var sample = new SampleProcess(process, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => sample.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sample.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Waits until GET /healthz answers 200; fails early, with the app's output, if it exits.</summary>
    public async Task WaitHealthyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{BaseUrl} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{BaseUrl} did not become healthy:\n{Output}");
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit on its own.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Kills the process and everything it started.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    // Bind to port 0 and release it: the OS hands out a port nobody holds (a small race, fine on loopback).
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
