using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Skein.Bench;

/// <summary>The result of one wrk run: the rate and every kind of error it reported.</summary>
public sealed record WrkResult(double RequestsPerSecond, long Requests, long SocketErrors, long Non2xx, string Raw)
{
    /// <summary>Errors of any kind, for the report.</summary>
    public long Errors => SocketErrors + Non2xx;
}

/// <summary>Runs the external load tools (wrk, iperf3) and parses their output.</summary>
public static partial class LoadTools
{
    /// <summary>Runs <c>wrk -t2 -cN -dS</c> (optionally with extra headers) and parses Requests/sec.</summary>
    public static async Task<WrkResult> WrkAsync(string url, int connections, int seconds, string? header, CancellationToken ct)
    {
        var args = new List<string> { "-t2", $"-c{connections}", $"-d{seconds}s", "--timeout", "5s" };
        if (header is not null)
        {
            args.AddRange(["-H", header]);
        }

        args.Add(url);
        var (code, output, err) = await ChildProcesses.RunAsync("wrk", args, ct);
        var raw = $"$ wrk {string.Join(' ', args)}\n{output}{err}";
        if (code != 0)
        {
            throw new InvalidOperationException($"wrk exited {code}: {err}");
        }

        var rps = double.Parse(RpsRegex().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var requests = long.Parse(RequestsRegex().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        long socketErrors = 0;
        var se = SocketErrorsRegex().Match(output);
        if (se.Success)
        {
            for (var i = 1; i <= 4; i++)
            {
                socketErrors += long.Parse(se.Groups[i].Value, CultureInfo.InvariantCulture);
            }
        }

        var non2xx = NonSuccessRegex().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(rps, requests, socketErrors, non2xx, raw);
    }

    /// <summary>Runs an iperf3 client for the given seconds and returns received Gbit/s and the JSON.</summary>
    public static async Task<(double Gbps, string Raw)> IperfAsync(string host, int port, int seconds, CancellationToken ct)
    {
        string[] args = ["-c", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J"];
        var (code, output, err) = await ChildProcesses.RunAsync("iperf3", args, ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"iperf3 exited {code}: {output}{err}");
        }

        var json = JsonNode.Parse(output)!;
        var bps = json["end"]!["sum_received"]!["bits_per_second"]!.GetValue<double>();
        return (bps / 1e9, output);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RpsRegex();

    [GeneratedRegex(@"([0-9]+) requests in")]
    private static partial Regex RequestsRegex();

    [GeneratedRegex(@"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)")]
    private static partial Regex SocketErrorsRegex();

    [GeneratedRegex(@"Non-2xx or 3xx responses: ([0-9]+)")]
    private static partial Regex NonSuccessRegex();
}
