using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Skein.Bench;

/// <summary>Where the driver finds the repository and writes its results, and how long each measurement runs.</summary>
public sealed record BenchOptions(string Repo, string OutDir, int Seconds)
{
    /// <summary>Which node proxy runs: native (the NativeAOT <c>skein-proxy</c>) or jit (<c>dotnet skein.dll proxy</c>).</summary>
    public string ProxyBuild { get; init; } = "native";

    /// <summary>Seconds to keep the Skein path up after measuring it, for attaching a profiler.</summary>
    public int HoldSeconds { get; init; }

    /// <summary>Paths to measure (direct, haproxy, skein); all when empty. A partial run writes no report files.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Whether a path is measured in this run.</summary>
    public bool Runs(string path) => Only.Count == 0 || Only.Contains(path);
}

/// <summary>One measured path (direct, haproxy or skein) and everything measured on it; null means it failed.</summary>
public sealed class TargetResult(string name)
{
    /// <summary>The path's short name.</summary>
    public string Name { get; } = name;

    /// <summary>Keep-alive requests per second (wrk, 64 connections): the median round.</summary>
    public WrkResult? Rps { get; set; }

    /// <summary>Requests per second of every round, in order.</summary>
    public List<double> RpsRuns { get; } = [];

    /// <summary>Latency at a fixed 1000 rps.</summary>
    public LatencyResult? Latency { get; set; }

    /// <summary>New connections per second (wrk with Connection: close).</summary>
    public WrkResult? ConnPerSecond { get; set; }

    /// <summary>iperf3 bulk throughput in Gbit/s.</summary>
    public double? Gbps { get; set; }

    /// <summary>Per proxy process: name, CPU seconds during the measurements, peak RSS in MiB.</summary>
    public List<(string Process, double CpuSeconds, double PeakRssMiB)> Proxies { get; } = [];

    /// <summary>What went wrong, for the report.</summary>
    public List<string> Problems { get; } = [];
}

/// <summary>Client → proxy A → mTLS → proxy B → server, for Skein (HBONE) and HAProxy (TLS per connection), against direct.</summary>
public sealed class HboneBenchmark(BenchOptions options)
{
    private const int FixedRate = 1000;
    private const int Rounds = 3;
    private readonly string _raw = Path.Combine(options.OutDir, "raw");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };

    private string SkeinDll => Path.Combine(options.Repo, "src/Skein.Cli/bin/Release/net10.0/skein.dll");

    // The ahead-of-time node proxy that run-hbone.sh publishes; `--proxy-build jit` measures `skein proxy` instead.
    private string? NativeProxy => options.ProxyBuild == "native" ? Path.Combine(options.Repo, "artifacts/skein-proxy/skein-proxy") : null;

    /// <summary>Runs the whole benchmark and writes hbone.md and hbone.svg; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (!File.Exists(SkeinDll))
        {
            Console.Error.WriteLine($"{SkeinDll} not found: run `dotnet build -c Release` first");
            return 2;
        }

        if (NativeProxy is { } native && !File.Exists(native))
        {
            Console.Error.WriteLine($"{native} not found: run bench/run-hbone.sh (it publishes the ahead-of-time node proxy), or pass --proxy-build jit");
            return 2;
        }

        foreach (var tool in new[] { "wrk", "nginx", "haproxy", "iperf3" })
        {
            if (!Readiness.OnPath(tool))
            {
                Console.Error.WriteLine($"{tool} not found: run bench/run-hbone.sh (it installs wrk haproxy nginx iperf3)");
                return 2;
            }
        }

        Directory.CreateDirectory(_raw);
        var work = Directory.CreateTempSubdirectory("skein-bench-");
        using var children = new ChildProcesses(_raw);
        var results = new List<TargetResult>();
        string verification = "not checked";
        var started = DateTime.UtcNow;
        try
        {
            await StartBackendAsync(work.FullName, children, ct);
            var targets = new List<MeasuredPath>();
            if (options.Runs("direct"))
            {
                targets.Add(new MeasuredPath("direct", Topology.Backend, 8080, 5201, []));
            }

            if (options.Runs("haproxy"))
            {
                targets.Add(await StartPathAsync("haproxy", Topology.HaproxyA, () => StartHaproxyAsync(work.FullName, children, ct), results));
            }

            if (options.Runs("skein"))
            {
                targets.Add(await StartPathAsync("skein", Topology.Client, () => StartSkeinAsync(SkeinDll, work.FullName, children, ct), results));
            }

            targets.RemoveAll(t => t.Failed);
            await MeasureAllAsync(targets, ct);
            results.AddRange(targets.Select(t => t.Result));
            if (targets.FirstOrDefault(t => t.Result.Name == "skein") is { } skein)
            {
                verification = await VerifyHboneAsync(ct);
                if (options.HoldSeconds > 0)
                {
                    Console.WriteLine($"holding the Skein path up for {options.HoldSeconds} s (node-a pid {skein.Proxies[0].Process.Id}, node-b pid {skein.Proxies[1].Process.Id})");
                    await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), ct);
                }
            }
        }
        finally
        {
            children.Dispose();
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }

        results.Sort((a, b) => Array.IndexOf(PathOrder, a.Name).CompareTo(Array.IndexOf(PathOrder, b.Name)));
        if (options.Only.Count > 0)
        {
            // A partial run is for iterating on one path: it prints but keeps the committed report intact.
            foreach (var r in results)
            {
                Console.WriteLine($"{r.Name}: rps {r.Rps?.RequestsPerSecond:F0}, p99 {r.Latency?.P99Ms:F3} ms, conn/s {r.ConnPerSecond?.RequestsPerSecond:F0}, {r.Gbps:F2} Gbit/s; "
                    + string.Join(", ", r.Proxies.Select(p => $"{p.Process} {p.CpuSeconds:F2} CPU s {p.PeakRssMiB:F1} MiB")));
            }

            return 0;
        }

        var report = Report.Markdown(results, verification, options.Seconds, FixedRate, started, options.ProxyBuild);
        await File.WriteAllTextAsync(Path.Combine(options.OutDir, "hbone.md"), report, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(options.OutDir, "hbone.svg"), Report.Svg(results), CancellationToken.None);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"wrote {Path.Combine(options.OutDir, "hbone.md")} and hbone.svg; raw outputs and logs in {_raw}");
        return 0;
    }

    private static readonly string[] PathOrder = ["direct", "haproxy", "skein"];

    /// <summary>Starts a proxied path; a path that cannot start is reported as failed and not measured.</summary>
    private static async Task<MeasuredPath> StartPathAsync(string name, string host, Func<Task<List<(string, Process)>>> start, List<TargetResult> failed)
    {
        try
        {
            return new MeasuredPath(name, host, 9080, 9201, await start());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var path = new MeasuredPath(name, host, 9080, 9201, []) { Failed = true };
            path.Result.Problems.Add($"setup failed: {e.Message} (see raw/{name}*.log)");
            Console.Error.WriteLine($"{name}: {e.Message}");
            failed.Add(path.Result);
            return path;
        }
    }

    /// <summary>
    /// Measures every started path, metric by metric. The repeated measurements (requests/s and the fixed-rate latency)
    /// run in rounds, each round visiting every path back to back, and the median round per path is reported: the load
    /// from other work on this shared machine drifts over minutes, and measuring one path's three runs before the next
    /// path's put that drift between HAProxy and Skein (three runs of the same code gave 0.89×, 1.09× and 0.93×).
    /// All paths stay up for the whole run; an idle proxy costs the measured one nothing, and each path's CPU is only
    /// counted during its own measurements.
    /// </summary>
    private async Task MeasureAllAsync(List<MeasuredPath> paths, CancellationToken ct)
    {
        foreach (var p in paths)
        {
            Console.WriteLine($"== {p.Name}: {p.Url}, bulk {p.Host}:{p.BulkPort}");
            // Warm-up (JIT, pools, TLS sessions) so each path is measured in its steady state; not counted.
            await Step(p.Result, "warm-up", async () => await LoadTools.WrkAsync(p.Url, 16, 2, null, ct));
        }

        var rps = paths.ToDictionary(p => p, _ => new List<WrkResult>());
        var latency = paths.ToDictionary(p => p, _ => new List<LatencyResult>());
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var p in paths)
            {
                await p.MeasuredStep("rps", async () =>
                {
                    var run = await LoadTools.WrkAsync(p.Url, 64, options.Seconds, null, ct);
                    rps[p].Add(run);
                    Console.WriteLine($"   {p.Name} round {round}: rps {run.RequestsPerSecond:F0} ({run.Errors} errors)");
                });
            }
        }

        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var p in paths)
            {
                await p.MeasuredStep("latency", async () =>
                {
                    var run = await FixedRateLoad.RunAsync(new IPEndPoint(IPAddress.Parse(p.Host), p.HttpPort), FixedRate, options.Seconds, 32, ct);
                    latency[p].Add(run);
                    Console.WriteLine($"   {p.Name} round {round}: p50 {run.P50Ms:F3} ms, p99 {run.P99Ms:F3} ms at {run.AchievedRps:F0} rps ({run.Errors} lost)");
                });
            }
        }

        foreach (var p in paths)
        {
            var r = p.Result;
            if (rps[p].Count > 0)
            {
                r.RpsRuns.AddRange(rps[p].Select(w => w.RequestsPerSecond));
                r.Rps = rps[p].OrderBy(w => w.RequestsPerSecond).ElementAt(rps[p].Count / 2);
                await File.WriteAllTextAsync(Path.Combine(_raw, $"{p.Name}-wrk-rps.txt"), string.Join("\n\n", rps[p].Select(w => w.Raw)), ct);
            }

            if (latency[p].Count > 0)
            {
                // One 8 s run's p99 is ~80 requests: a single scheduling hiccup moves it, so the median-p99 round is reported.
                r.Latency = latency[p].OrderBy(l => l.P99Ms).ElementAt(latency[p].Count / 2);
                await File.WriteAllLinesAsync(Path.Combine(_raw, $"{p.Name}-latency.txt"), latency[p].Select(l => l.ToString()), ct);
            }

            await p.MeasuredStep("conn/s", async () =>
            {
                r.ConnPerSecond = await LoadTools.WrkAsync(p.Url, 64, options.Seconds, "Connection: close", ct);
                await File.WriteAllTextAsync(Path.Combine(_raw, $"{p.Name}-wrk-connclose.txt"), r.ConnPerSecond.Raw, ct);
                Console.WriteLine($"   {p.Name}: conn/s {r.ConnPerSecond.RequestsPerSecond:F0} ({r.ConnPerSecond.Errors} errors)");
            });
            await p.MeasuredStep("bulk", async () =>
            {
                var (gbps, raw) = await LoadTools.IperfAsync(p.Host, p.BulkPort, 5, ct);
                r.Gbps = gbps;
                await File.WriteAllTextAsync(Path.Combine(_raw, $"{p.Name}-iperf3.json"), raw, ct);
                Console.WriteLine($"   {p.Name}: bulk {gbps:F2} Gbit/s");
            });
            p.Finish();
        }
    }

    /// <summary>One path under measurement: where the load goes, its proxy processes and the CPU they used in its own steps.</summary>
    private sealed class MeasuredPath(string name, string host, int httpPort, int bulkPort, List<(string Name, Process Process)> proxies)
    {
        private readonly double[] _cpu = new double[proxies.Count];

        public string Name => name;
        public string Host => host;
        public int HttpPort => httpPort;
        public int BulkPort => bulkPort;
        public string Url => $"http://{host}:{httpPort}/";
        public List<(string Name, Process Process)> Proxies => proxies;
        public TargetResult Result { get; } = new(name);
        public bool Failed { get; init; }

        /// <summary>Runs one measurement, adding the proxies' CPU during it to this path's total.</summary>
        public async Task MeasuredStep(string what, Func<Task> step)
        {
            var before = proxies.Select(p => p.Process.HasExited ? 0 : ProcStats.CpuSeconds(p.Process.Id)).ToArray();
            await Step(Result, what, step);
            for (var i = 0; i < proxies.Count; i++)
            {
                if (!proxies[i].Process.HasExited)
                {
                    _cpu[i] += ProcStats.CpuSeconds(proxies[i].Process.Id) - before[i];
                }
            }
        }

        /// <summary>Records each proxy's CPU seconds and peak RSS, or that it died.</summary>
        public void Finish()
        {
            for (var i = 0; i < proxies.Count; i++)
            {
                var (pname, p) = proxies[i];
                if (p.HasExited)
                {
                    Result.Problems.Add($"{pname} exited with code {p.ExitCode} (see raw/{pname}.log)");
                    continue;
                }

                Result.Proxies.Add((pname, _cpu[i], ProcStats.PeakRssMiB(p.Id)));
            }
        }
    }

    private static async Task Step(TargetResult r, string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            r.Problems.Add($"{what}: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine($"   {what} FAILED: {e.Message}");
        }
    }

    private async Task StartBackendAsync(string work, ChildProcesses children, CancellationToken ct)
    {
        Readiness.EnsureFree(Topology.Backend, 8080);
        Readiness.EnsureFree(Topology.Control, 20001);
        var dir = Path.Combine(work, "nginx");
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), Topology.NginxConf(dir), ct);
        children.Start("nginx", "nginx", ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "nginx-error.log")]);
        children.Start("iperf3-server", "iperf3", ["-s", "-B", Topology.Backend, "-p", "5201"]);
        await Readiness.WaitForPortAsync(Topology.Backend, 8080, TimeSpan.FromSeconds(10), ct);
        await Readiness.WaitForPortAsync(Topology.Backend, 5201, TimeSpan.FromSeconds(10), ct);
    }

    private static async Task<List<(string, Process)>> StartHaproxyAsync(string work, ChildProcesses children, CancellationToken ct)
    {
        var dir = Path.Combine(work, "haproxy");
        Directory.CreateDirectory(dir);
        Topology.WriteHaproxyCertificates(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "a.cfg"), Topology.HaproxyAConf(dir), ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "b.cfg"), Topology.HaproxyBConf(dir), ct);
        var b = children.Start("haproxy-b", "haproxy", ["-db", "-f", Path.Combine(dir, "b.cfg")]);
        var a = children.Start("haproxy-a", "haproxy", ["-db", "-f", Path.Combine(dir, "a.cfg")]);
        await Readiness.WaitForPortAsync(Topology.HaproxyB, 8080, TimeSpan.FromSeconds(10), ct);
        await Readiness.WaitForPortAsync(Topology.HaproxyA, 9080, TimeSpan.FromSeconds(10), ct);
        return [("haproxy-a", a), ("haproxy-b", b)];
    }

    private async Task<List<(string, Process)>> StartSkeinAsync(string dll, string work, ChildProcesses children, CancellationToken ct)
    {
        var config = Path.Combine(work, "skein-config");
        var state = Path.Combine(work, "skein-state");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(state);
        await File.WriteAllTextAsync(Path.Combine(config, "bench.yaml"), Topology.SkeinConfig, ct);
        await File.WriteAllTextAsync(Path.Combine(_raw, "skein-bench.yaml"), Topology.SkeinConfig, ct);
        children.Start("skein-control", "dotnet", [dll, "control", "--config", config, "--state", state, "--address", Topology.Control]);
        await Readiness.WaitForHttpAsync(_http, $"http://{Topology.Control}:20001/readyz", TimeSpan.FromSeconds(30), ct);

        var nodes = new List<(string, Process)>();
        foreach (var (node, address) in new[] { ("node-a", Topology.NodeA), ("node-b", Topology.NodeB) })
        {
            var (code, token, err) = await ChildProcesses.RunAsync("dotnet", [dll, "token", "--state", state, "--node", node], ct);
            if (code != 0)
            {
                throw new InvalidOperationException($"skein token --node {node} exited {code}: {err}");
            }

            var env = new Dictionary<string, string>
            {
                ["SKEIN_ROOT_CERT"] = Path.Combine(state, "root-cert.pem"),
                ["SKEIN_TOKEN"] = token.Trim(),
            };
            string[] proxyArgs = ["--role", "node", "--node", node, "--address", address, "--control", $"{Topology.Control}:15012"];
            nodes.Add(($"skein-{node}", NativeProxy is { } native
                ? children.Start($"skein-{node}", native, proxyArgs, env)
                : children.Start($"skein-{node}", "dotnet", [dll, "proxy", .. proxyArgs], env)));
        }

        await Readiness.WaitForHttpAsync(_http, $"http://{Topology.NodeA}:15000/ready", TimeSpan.FromSeconds(30), ct);
        await Readiness.WaitForHttpAsync(_http, $"http://{Topology.NodeB}:15000/ready", TimeSpan.FromSeconds(30), ct);
        // Certificates are issued asynchronously: ready means a request really made it through the tunnel.
        await Readiness.WaitForHttpAsync(_http, $"http://{Topology.Client}:9080/", TimeSpan.FromSeconds(30), ct);
        return nodes;
    }

    private async Task<string> VerifyHboneAsync(CancellationToken ct)
    {
        const string Key = "cluster.outbound|8080||backend.bench.svc.cluster.local.upstream_cx_mtls";
        var parts = new List<string>();
        foreach (var (node, address) in new[] { ("node-a", Topology.NodeA), ("node-b", Topology.NodeB) })
        {
            var json = await _http.GetStringAsync($"http://{address}:15000/stats?format=json", ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"skein-{node}-stats.json"), json, ct);
            var stats = JsonNode.Parse(json)!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
            if (node == "node-a")
            {
                var mtls = stats.GetValueOrDefault(Key);
                var plain = stats.Where(p => p.Key.EndsWith(".upstream_cx_plaintext", StringComparison.Ordinal)).Sum(p => p.Value);
                parts.Add($"node-a `{Key}` = {mtls}{(mtls > 0 ? " (HBONE over mTLS: yes)" : " (**NOT verified**)")}, plaintext upstream connections = {plain}");
            }
            else
            {
                parts.Add($"node-b `inbound.mtls_cx_total` = {stats.GetValueOrDefault("inbound.mtls_cx_total")}");
            }
        }

        return string.Join("; ", parts);
    }

    /// <summary>Formats a number with invariant culture.</summary>
    public static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
