using System.Globalization;
using System.Text.RegularExpressions;

namespace Skein.Bench;

/// <summary>One load cell: rate, p99, how many requests and how many failed (socket errors, non-2xx), and the tool's output.</summary>
public sealed record LoadResult(double RequestsPerSecond, double P99Ms, long Requests, long Errors, string Raw);

/// <summary>The closed-loop HTTP load of the gateway benchmark: wrk (HTTP/1.1) and h2load (HTTP/2 prior knowledge), pinned with taskset.</summary>
public static partial class HttpLoad
{
    /// <summary><c>wrk -tT -cC -dS --latency</c> with the route's Host and header; p99 from its latency distribution.</summary>
    public static async Task<LoadResult> WrkAsync(string cpus, int threads, string url, string host, string header, int connections, int seconds, CancellationToken ct)
    {
        List<string> args = ["-c", cpus, "wrk", $"-t{threads}", $"-c{connections}", $"-d{seconds}s", "--latency", "--timeout", "5s", "-H", $"Host: {host}", "-H", header, url];
        var (code, output, err) = await ChildProcesses.RunAsync("taskset", args, ct);
        var raw = $"$ taskset {string.Join(' ', args)}\n{output}{err}";
        if (code != 0)
        {
            throw new InvalidOperationException($"wrk exited {code}: {err}");
        }

        var wrk = ParseWrk(output);
        var p99 = WrkP99Regex().Match(output) is { Success: true } m ? ToMs(m.Groups[1].Value, m.Groups[2].Value) : double.NaN;
        return new LoadResult(wrk.RequestsPerSecond, p99, wrk.Requests, wrk.Errors, raw);
    }

    /// <summary>
    /// <c>h2load -tT -cC -mM -D S</c> over HTTP/2 prior knowledge with the route's :authority and header. h2load prints
    /// only min/mean/max, so p99 is computed from its per-request log (microseconds to the end of each response).
    /// </summary>
    public static async Task<LoadResult> H2loadAsync(string cpus, int threads, string url, string host, string header, int connections, int streams, int seconds, string logFile, CancellationToken ct)
    {
        List<string> args = ["-c", cpus, "h2load", $"-t{threads}", $"-c{connections}", $"-m{streams}", "-D", seconds.ToString(CultureInfo.InvariantCulture),
            "-H", $":authority: {host}", "-H", header, $"--log-file={logFile}", url];
        var (code, output, err) = await ChildProcesses.RunAsync("taskset", args, ct);
        var raw = $"$ taskset {string.Join(' ', args)}\n{output}{err}";
        if (code != 0)
        {
            throw new InvalidOperationException($"h2load exited {code}: {output}{err}");
        }

        var rps = double.Parse(H2RpsRegex().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var requests = H2RequestsRegex().Match(output);
        long Count(int g) => long.Parse(requests.Groups[g].Value, CultureInfo.InvariantCulture);
        var status = H2StatusRegex().Match(output);
        long non2xx = 0;
        for (var g = 2; g <= 4 && status.Success; g++)
        {
            non2xx += long.Parse(status.Groups[g].Value, CultureInfo.InvariantCulture);
        }

        // Whether "failed" already counts non-2xx answers differs between h2load versions: take the larger.
        var errors = Math.Max(Count(2) + Count(3) + Count(4), non2xx);
        return new LoadResult(rps, P99FromLog(logFile), Count(1), errors, raw);
    }

    /// <summary>A short HTTP/2 run with a fixed request count, to warm up the HTTP/2 path (JIT, pools).</summary>
    public static async Task WarmH2Async(string cpus, string url, string host, string header, int seconds, CancellationToken ct)
    {
        var (code, output, err) = await ChildProcesses.RunAsync("taskset",
            ["-c", cpus, "h2load", "-D", seconds.ToString(CultureInfo.InvariantCulture), "-c", "4", "-m", "4", "-H", $":authority: {host}", "-H", header, url], ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"h2load warm-up exited {code}: {output}{err}");
        }
    }

    private static WrkResult ParseWrk(string output)
    {
        var rps = double.Parse(WrkRpsRegex().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var requests = long.Parse(WrkRequestsRegex().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        long errors = 0;
        if (WrkSocketErrorsRegex().Match(output) is { Success: true } se)
        {
            for (var i = 1; i <= 4; i++)
            {
                errors += long.Parse(se.Groups[i].Value, CultureInfo.InvariantCulture);
            }
        }

        if (WrkNonSuccessRegex().Match(output) is { Success: true } m)
        {
            errors += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return new WrkResult(rps, requests, errors, 0, output);
    }

    private static double P99FromLog(string logFile)
    {
        var latencies = new List<long>();
        foreach (var line in File.ReadLines(logFile))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 3 && long.TryParse(cols[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var us))
            {
                latencies.Add(us);
            }
        }

        if (latencies.Count == 0)
        {
            return double.NaN;
        }

        latencies.Sort();
        return latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(latencies.Count * 0.99) - 1)] / 1000.0;
    }

    private static double ToMs(string value, string unit)
    {
        var v = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => v / 1000,
            "ms" => v,
            "s" => v * 1000,
            "m" => v * 60_000,
            _ => double.NaN,
        };
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex WrkRpsRegex();

    [GeneratedRegex(@"([0-9]+) requests in")]
    private static partial Regex WrkRequestsRegex();

    [GeneratedRegex(@"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)")]
    private static partial Regex WrkSocketErrorsRegex();

    [GeneratedRegex(@"Non-2xx or 3xx responses: ([0-9]+)")]
    private static partial Regex WrkNonSuccessRegex();

    [GeneratedRegex(@"^\s*99%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex WrkP99Regex();

    [GeneratedRegex(@"finished in [0-9.]+\w*, ([0-9.]+) req/s")]
    private static partial Regex H2RpsRegex();

    [GeneratedRegex(@"requests: ([0-9]+) total, [0-9]+ started, [0-9]+ done, [0-9]+ succeeded, ([0-9]+) failed, ([0-9]+) errored, ([0-9]+) timeout")]
    private static partial Regex H2RequestsRegex();

    [GeneratedRegex(@"status codes: ([0-9]+) 2xx, ([0-9]+) 3xx, ([0-9]+) 4xx, ([0-9]+) 5xx")]
    private static partial Regex H2StatusRegex();
}
