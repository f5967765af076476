using System.Net;
using System.Net.Sockets;

namespace Skein.Bench;

/// <summary>Waiting for started processes to serve, and finding the tools the benchmarks run.</summary>
public static class Readiness
{
    /// <summary>Polls <paramref name="url"/> until it answers 2xx (with optional request headers); throws with the last failure after <paramref name="timeout"/>.</summary>
    public static async Task WaitForHttpAsync(HttpClient http, string url, TimeSpan timeout, CancellationToken ct, string? host = null, (string Name, string Value)? header = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no attempt";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (host is not null)
                {
                    request.Headers.Host = host;
                }

                if (header is { } h)
                {
                    request.Headers.TryAddWithoutValidation(h.Name, h.Value);
                }

                using var response = await http.SendAsync(request, ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = e.Message;
            }

            await Task.Delay(200, ct);
        }

        throw new TimeoutException($"{url} not ready after {timeout.TotalSeconds:F0} s (last: {last})");
    }

    /// <summary>Polls until a TCP connection to host:port succeeds.</summary>
    public static async Task WaitForPortAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(IPAddress.Parse(host), port, ct);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>Whether <paramref name="tool"/> is on PATH (or in /usr/sbin, where Debian puts nginx and haproxy).</summary>
    /// <summary>Throws when something already listens on <paramref name="host"/>:<paramref name="port"/>: a leftover run
    /// there would answer the readiness checks and the measurement would silently go to it.</summary>
    public static void EnsureFree(string host, int port)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            probe.Connect(host, port);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return;
        }

        throw new InvalidOperationException($"{host}:{port} is already in use: is another benchmark run still going? Stop it first.");
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(d => File.Exists(Path.Combine(d, tool)));
}

/// <summary>CPU and peak memory of a process together with its descendants (nginx with a master, for example).</summary>
public static class ProcessTree
{
    /// <summary>The pid and every descendant pid still alive.</summary>
    public static List<int> With(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var p))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Field 4 (ppid) is the second field after the command's closing parenthesis.
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                (children.TryGetValue(ppid, out var list) ? list : children[ppid] = []).Add(p);
            }
            catch (IOException)
            {
                // Exited while we looked.
            }
        }

        var all = new List<int> { pid };
        for (var i = 0; i < all.Count; i++)
        {
            all.AddRange(children.GetValueOrDefault(all[i]) ?? []);
        }

        return all;
    }

    /// <summary>utime + stime in seconds, summed over the tree.</summary>
    public static double CpuSeconds(int pid) => With(pid).Sum(p => Safe(() => ProcStats.CpuSeconds(p)));

    /// <summary>VmHWM in MiB, summed over the tree.</summary>
    public static double PeakRssMiB(int pid) => With(pid).Sum(p => Safe(() => ProcStats.PeakRssMiB(p)));

    private static double Safe(Func<double> read)
    {
        try
        {
            return read();
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
