using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Skein.Bench;

/// <summary>Options of the gateway benchmark: CPU sets for taskset (proxies vs load generator + backend) and the cell duration.</summary>
public sealed record GatewayOptions(string Repo, string OutDir, int Seconds, string ProxyCpus, string LoadCpus)
{
    /// <summary>The targets to run (null: all); a comma list of names such as <c>skein,skein-nolog</c>, for quick before/after comparisons.</summary>
    public IReadOnlySet<string>? Targets { get; init; }

    /// <summary>The default warm-up per protocol; see <see cref="WarmupSeconds"/>.</summary>
    public const int DefaultWarmupSeconds = 40;

    /// <summary>Seconds of unmeasured load per protocol before a target's cells (HTTP/1.1 with wrk, then HTTP/2 with h2load).</summary>
    /// <remarks>The JIT-compiled targets (plain YARP, the Skein gateway) keep re-compiling hot methods for tens of seconds
    /// (tiered compilation with PGO). A profile after a 2 s warm-up still spent ~12 % of the gateway's CPU in the JIT,
    /// which measures start-up rather than the steady state a long-running proxy serves in.</remarks>
    public int WarmupSeconds { get; init; } = DefaultWarmupSeconds;

    /// <summary>Seconds to keep each proxy target up after its cells, for profiling it by hand (0: stop at once).</summary>
    public int HoldSeconds { get; init; }

    /// <summary>Whether <paramref name="name"/> is among the targets to run.</summary>
    public bool Runs(string name) => Targets is null || Targets.Contains(name);

    /// <summary>How many CPUs the proxies get (nginx workers, HAProxy threads).</summary>
    public int ProxyCpuCount => CpuCount(ProxyCpus);

    /// <summary>How many CPUs the load generators get (wrk and h2load threads).</summary>
    public int LoadCpuCount => CpuCount(LoadCpus);

    /// <summary>Splits the machine: the first half of the CPUs for the proxy under test, the rest for the load generator and the backend.</summary>
    public static (string Proxy, string Load) DefaultCpus(int n) =>
        n < 2 ? ("0", "0") : ($"0-{(n / 2) - 1}", $"{n / 2}-{n - 1}");

    private static int CpuCount(string list) => list.Split(',').Sum(part =>
        part.Split('-') is [var a, var b] ? int.Parse(b, CultureInfo.InvariantCulture) - int.Parse(a, CultureInfo.InvariantCulture) + 1 : 1);
}

/// <summary>One target (direct, a proxy or a Skein variant): both load cells, the proxy's CPU per cell and peak RSS.</summary>
public sealed class GatewayTarget(string name, string label)
{
    /// <summary>Short name used for files and the chart.</summary>
    public string Name { get; } = name;

    /// <summary>What the target is, for the table.</summary>
    public string Label { get; } = label;

    /// <summary>wrk, HTTP/1.1 keep-alive.</summary>
    public LoadResult? Http1 { get; set; }

    /// <summary>h2load, HTTP/2 prior knowledge.</summary>
    public LoadResult? Http2 { get; set; }

    /// <summary>Data-path processes' CPU seconds during the HTTP/1.1 cell (null: no proxy, or not measured).</summary>
    public double? CpuHttp1 { get; set; }

    /// <summary>Data-path processes' CPU seconds during the HTTP/2 cell.</summary>
    public double? CpuHttp2 { get; set; }

    /// <summary>Sum of the data-path processes' peak RSS (VmHWM) in MiB.</summary>
    public double? PeakRssMiB { get; set; }

    /// <summary>Each data-path process: CPU seconds in the HTTP/1.1 and HTTP/2 cells, peak RSS in MiB.</summary>
    public List<(string Name, double CpuHttp1, double CpuHttp2, double PeakRssMiB)> Processes { get; } = [];

    /// <summary>Off the data path but per-request work (the Skein control plane receives access-log records): CPU over both cells.</summary>
    public double? SideCpu { get; set; }

    /// <summary>Routing check result: route 10 with its header, and with route 3's header.</summary>
    public string RoutingCheck { get; set; } = "not checked";

    /// <summary>Extra facts (HBONE counters) for the report.</summary>
    public string? Verification { get; set; }

    /// <summary>What went wrong.</summary>
    public List<string> Problems { get; } = [];
}

/// <summary>A way to run the Skein gateway: the production path, and diagnostic variants that take one cost away.</summary>
/// <param name="Unmeshed">The backend is outside the mesh (<c>skein.dev/dataplane-mode: none</c>): no HBONE hop and no node proxy,
/// the gateway sends plain HTTP/1.1 like every other proxy here, so only the gateway's own cost remains.</param>
public sealed record SkeinVariant(string Name, string Label, bool PlaintextHbone, bool AccessLogOff, bool Unmeshed = false)
{
    /// <summary>The variants in the order they run.</summary>
    public static readonly SkeinVariant[] All =
    [
        new("skein", "Skein gateway → HBONE mTLS → node proxy (production path)", false, false),
        new("skein-h2c", "Skein, HBONE without TLS (PeerAuthentication DISABLE)", true, false),
        new("skein-nolog", "Skein, HBONE mTLS, access log off (stdout and ALS)", false, true),
        new("skein-unmeshed", "Skein gateway → backend outside the mesh (plain HTTP, like the others)", false, false, Unmeshed: true),
    ];
}

/// <summary>The Skein gateway against nginx, HAProxy, plain YARP and direct, with the same ten host + header routes, HTTP/1.1 and HTTP/2.</summary>
public sealed class GatewayBenchmark(GatewayOptions options)
{
    private const int Connections = 64;
    private const int H2Connections = 16;
    private const int H2Streams = 4;
    private readonly string _raw = Path.Combine(options.OutDir, "raw");
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string _header = $"{GatewayTopology.RouteHeader}: {GatewayTopology.HeaderValue(GatewayTopology.LoadRoute)}";

    /// <summary>Runs every target one after the other and writes gateway.md and gateway.svg.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var skeinDll = Path.Combine(options.Repo, "src/Skein.Cli/bin/Release/net10.0/skein.dll");
        var yarpDll = Path.Combine(options.Repo, "bench/PlainYarp/bin/Release/net10.0/plain-yarp.dll");
        foreach (var dll in new[] { skeinDll, yarpDll })
        {
            if (!File.Exists(dll))
            {
                Console.Error.WriteLine($"{dll} not found: run bench/run-gateway.sh (it builds both)");
                return 2;
            }
        }

        foreach (var tool in new[] { "wrk", "h2load", "nginx", "haproxy", "taskset" })
        {
            if (!Readiness.OnPath(tool))
            {
                Console.Error.WriteLine($"{tool} not found: run bench/run-gateway.sh (it installs wrk nghttp2-client nginx haproxy)");
                return 2;
            }
        }

        Directory.CreateDirectory(_raw);
        var work = Directory.CreateTempSubdirectory("skein-bench-gateway-");
        using var children = new ChildProcesses(_raw);
        var results = new List<GatewayTarget>();
        var started = DateTime.UtcNow;
        Console.WriteLine($"proxies on CPUs {options.ProxyCpus}, load generators and backend on CPUs {options.LoadCpus}, {options.Seconds} s per cell");
        try
        {
            await StartBackendAsync(work.FullName, children, ct);
            if (options.Runs("direct"))
            {
                results.Add(await MeasureAsync(new GatewayTarget("direct", "direct (no proxy)"), GatewayTopology.Backend, [], null, routing: false, ct));
            }

            if (options.Runs("nginx"))
            {
                results.Add(await RunTargetAsync(new GatewayTarget("nginx", "nginx 1.22"), GatewayTopology.Nginx, () => StartNginxAsync(work.FullName, children, ct), ct));
            }

            if (options.Runs("haproxy"))
            {
                results.Add(await RunTargetAsync(new GatewayTarget("haproxy", "HAProxy 2.6"), GatewayTopology.Haproxy, () => StartHaproxyAsync(work.FullName, children, ct), ct));
            }

            if (options.Runs("yarp"))
            {
                results.Add(await RunTargetAsync(new GatewayTarget("yarp", "plain YARP 2.3"), GatewayTopology.Yarp, () => StartYarpAsync(yarpDll, work.FullName, children, ct), ct));
            }

            foreach (var variant in SkeinVariant.All.Where(v => options.Runs(v.Name)))
            {
                results.Add(await RunSkeinAsync(new GatewayTarget(variant.Name, variant.Label), skeinDll, work.FullName, children, variant, ct));
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

        var report = GatewayReport.Markdown(results, options, started);
        await File.WriteAllTextAsync(Path.Combine(options.OutDir, "gateway.md"), report, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(options.OutDir, "gateway.svg"), GatewayReport.Svg(results, options), CancellationToken.None);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"wrote {Path.Combine(options.OutDir, "gateway.md")} and gateway.svg; raw outputs and logs in {_raw}");
        return 0;
    }

    private async Task<GatewayTarget> RunTargetAsync(GatewayTarget target, string address, Func<Task<List<(string, Process)>>> start, CancellationToken ct)
    {
        List<(string, Process)> processes = [];
        try
        {
            processes = await start();
            await MeasureAsync(target, address, processes, null, routing: true, ct);
            await HoldAsync(target, address, processes, ct);
            return target;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            target.Problems.Add($"setup failed: {e.Message} (see raw/{target.Name}.log)");
            Console.Error.WriteLine($"{target.Name}: {e.Message}");
            return target;
        }
        finally
        {
            // Stopped before the next target starts, so two proxies never compete for the cores.
            foreach (var (_, p) in processes)
            {
                ChildProcesses.Stop(p);
            }
        }
    }

    private async Task<GatewayTarget> RunSkeinAsync(GatewayTarget target, string dll, string work, ChildProcesses children, SkeinVariant variant, CancellationToken ct)
    {
        List<(string, Process)> processes = [];
        try
        {
            var (control, dataPath) = await StartSkeinAsync(dll, Path.Combine(work, target.Name), children, variant, ct);
            processes = [control, .. dataPath];
            await MeasureAsync(target, GatewayTopology.SkeinGateway, dataPath, control.Item2, routing: true, ct);
            await HoldAsync(target, GatewayTopology.SkeinGateway, processes, ct);
            target.Verification = variant.Unmeshed
                ? await VerifyUnmeshedAsync(target.Name, ct)
                : await VerifyHboneAsync(target.Name, variant.PlaintextHbone, ct);
            foreach (var (name, p) in processes.Where(n => n.Item2.HasExited))
            {
                target.Problems.Add($"{name} exited during the run with code {p.ExitCode} (see raw/{name}.log)");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            target.Problems.Add($"setup failed: {e.Message}");
            Console.Error.WriteLine($"{target.Name}: {e.Message}");
        }
        finally
        {
            foreach (var (_, p) in Enumerable.Reverse(processes))
            {
                ChildProcesses.Stop(p);
            }
        }

        return target;
    }

    private async Task HoldAsync(GatewayTarget target, string address, List<(string Name, Process Process)> processes, CancellationToken ct)
    {
        if (options.HoldSeconds <= 0)
        {
            return;
        }

        var pids = string.Join(", ", processes.Select(p => $"{p.Name} {p.Process.Id}"));
        Console.WriteLine($"   holding {target.Name} for {options.HoldSeconds} s: http://{address}:{GatewayTopology.Http1Port}/ (Host {GatewayTopology.Host(GatewayTopology.LoadRoute)}, {_header}); pids {pids}");
        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), ct);
    }

    private async Task<GatewayTarget> MeasureAsync(GatewayTarget t, string address, List<(string Name, Process Process)> proxies, Process? side, bool routing, CancellationToken ct)
    {
        var http1 = $"http://{address}:{GatewayTopology.Http1Port}/";
        var h2c = $"http://{address}:{GatewayTopology.H2cPort}/";
        var host = GatewayTopology.Host(GatewayTopology.LoadRoute);
        var threads = Math.Max(1, options.LoadCpuCount);
        Console.WriteLine($"== {t.Name}: {http1} (HTTP/1.1), {h2c} (h2c), Host {host}, {_header}");
        if (routing)
        {
            t.RoutingCheck = await RoutingCheckAsync(http1, ct);
            Console.WriteLine($"   routing: {t.RoutingCheck}");
        }
        else
        {
            t.RoutingCheck = "n/a (the backend answers every request)";
        }

        // Warm-up (JIT, pools, upstream connections) so each target is measured in its steady state; not counted.
        await Step(t, "warm-up", async () =>
        {
            await HttpLoad.WrkAsync(options.LoadCpus, threads, http1, host, _header, 16, options.WarmupSeconds, ct);
            await HttpLoad.WarmH2Async(options.LoadCpus, h2c, host, _header, options.WarmupSeconds, ct);
        });

        double[] Cpu() => [.. proxies.Select(p => ProcessTree.CpuSeconds(p.Process.Id))];
        double SideCpu() => side is null ? 0 : ProcStats.CpuSeconds(side.Id);
        var side0 = SideCpu();
        var cpu0 = Cpu();
        await Step(t, "HTTP/1.1", async () =>
        {
            t.Http1 = await HttpLoad.WrkAsync(options.LoadCpus, threads, http1, host, _header, Connections, options.Seconds, ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{t.Name}-wrk.txt"), t.Http1.Raw, ct);
            Console.WriteLine($"   HTTP/1.1 {t.Http1.RequestsPerSecond:F0} rps, p99 {t.Http1.P99Ms:F2} ms ({t.Http1.Errors} errors)");
        });
        var cpu1 = Cpu();
        await Step(t, "HTTP/2", async () =>
        {
            var log = Path.Combine(_raw, $"gateway-{t.Name}-h2load-requests.tsv");
            t.Http2 = await HttpLoad.H2loadAsync(options.LoadCpus, threads, h2c, host, _header, H2Connections, H2Streams, options.Seconds, log, ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{t.Name}-h2load.txt"), t.Http2.Raw, ct);
            Console.WriteLine($"   HTTP/2   {t.Http2.RequestsPerSecond:F0} rps, p99 {t.Http2.P99Ms:F2} ms ({t.Http2.Errors} errors)");
        });
        var cpu2 = Cpu();
        for (var i = 0; i < proxies.Count; i++)
        {
            t.Processes.Add((proxies[i].Name, cpu1[i] - cpu0[i], cpu2[i] - cpu1[i], ProcessTree.PeakRssMiB(proxies[i].Process.Id)));
        }

        if (proxies.Count > 0)
        {
            t.CpuHttp1 = t.Processes.Sum(p => p.CpuHttp1);
            t.CpuHttp2 = t.Processes.Sum(p => p.CpuHttp2);
            t.PeakRssMiB = t.Processes.Sum(p => p.PeakRssMiB);
        }

        if (side is not null)
        {
            t.SideCpu = SideCpu() - side0;
        }

        foreach (var (name, p) in proxies.Where(p => p.Process.HasExited))
        {
            t.Problems.Add($"{name} exited with code {p.ExitCode} (see raw/{name}.log)");
        }

        return t;
    }

    /// <summary>Route 10's host with its own header must answer 200, with route 3's header 404: the proxy really matches both.</summary>
    private async Task<string> RoutingCheckAsync(string url, CancellationToken ct)
    {
        async Task<string> Status(string value)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Host = GatewayTopology.Host(GatewayTopology.LoadRoute);
                request.Headers.TryAddWithoutValidation(GatewayTopology.RouteHeader, value);
                using var response = await _http.SendAsync(request, ct);
                return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                return $"error ({e.Message})";
            }
        }

        var right = await Status(GatewayTopology.HeaderValue(GatewayTopology.LoadRoute));
        var wrong = await Status(GatewayTopology.HeaderValue(3));
        var ok = right == "200" && wrong == "404";
        return $"{(ok ? "ok" : "**WRONG**")}: route 10 header → {right}, route 3's header on route 10's host → {wrong}";
    }

    private static async Task Step(GatewayTarget t, string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            t.Problems.Add($"{what}: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine($"   {what} FAILED: {e.Message}");
        }
    }

    private string NativeProxy => Path.Combine(options.Repo, "artifacts/skein-proxy/skein-proxy");

    private Process Pinned(ChildProcesses children, string name, string cpus, string file, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        // taskset execs the program, so the pid is the program's own and /proc/<pid>/stat is its CPU time.
        children.Start(name, "taskset", ["-c", cpus, file, .. args], env);

    private async Task StartBackendAsync(string work, ChildProcesses children, CancellationToken ct)
    {
        var dir = Path.Combine(work, "backend");
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), GatewayTopology.BackendNginxConf(dir), ct);
        Pinned(children, "gateway-backend-nginx", options.LoadCpus, "nginx", ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log")]);
        await Readiness.WaitForPortAsync(GatewayTopology.Backend, GatewayTopology.Http1Port, TimeSpan.FromSeconds(10), ct);
    }

    private async Task<List<(string, Process)>> StartNginxAsync(string work, ChildProcesses children, CancellationToken ct)
    {
        var dir = Path.Combine(work, "nginx");
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        var conf = GatewayTopology.ProxyNginxConf(dir, options.ProxyCpuCount);
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), conf, ct);
        await File.WriteAllTextAsync(Path.Combine(_raw, "gateway-nginx.conf"), conf, ct);
        var p = Pinned(children, "gateway-nginx", options.ProxyCpus, "nginx", ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log")]);
        await Readiness.WaitForPortAsync(GatewayTopology.Nginx, GatewayTopology.Http1Port, TimeSpan.FromSeconds(10), ct);
        return [("nginx", p)];
    }

    private async Task<List<(string, Process)>> StartHaproxyAsync(string work, ChildProcesses children, CancellationToken ct)
    {
        var conf = GatewayTopology.HaproxyConf(options.ProxyCpuCount);
        var file = Path.Combine(work, "haproxy.cfg");
        await File.WriteAllTextAsync(file, conf, ct);
        await File.WriteAllTextAsync(Path.Combine(_raw, "gateway-haproxy.cfg"), conf, ct);
        var p = Pinned(children, "gateway-haproxy", options.ProxyCpus, "haproxy", ["-db", "-f", file]);
        await Readiness.WaitForPortAsync(GatewayTopology.Haproxy, GatewayTopology.Http1Port, TimeSpan.FromSeconds(10), ct);
        return [("haproxy", p)];
    }

    private async Task<List<(string, Process)>> StartYarpAsync(string dll, string work, ChildProcesses children, CancellationToken ct)
    {
        var conf = GatewayTopology.YarpConfig();
        var file = Path.Combine(work, "yarp.json");
        await File.WriteAllTextAsync(file, conf, ct);
        await File.WriteAllTextAsync(Path.Combine(_raw, "gateway-yarp.json"), conf, ct);
        var p = Pinned(children, "gateway-yarp", options.ProxyCpus, "dotnet", [dll, "--config", file], new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "" });
        await Readiness.WaitForHttpAsync(_http, $"http://{GatewayTopology.Yarp}:{GatewayTopology.Http1Port}/", TimeSpan.FromSeconds(30), ct,
            GatewayTopology.Host(GatewayTopology.LoadRoute), (GatewayTopology.RouteHeader, GatewayTopology.HeaderValue(GatewayTopology.LoadRoute)));
        return [("plain-yarp", p)];
    }

    /// <summary>Control plane (on the load CPUs: not on the data path), the backend's node proxy and the gateway proxy (on the proxy CPUs).</summary>
    private async Task<((string, Process) Control, List<(string, Process)> DataPath)> StartSkeinAsync(string dll, string work, ChildProcesses children, SkeinVariant variant, CancellationToken ct)
    {
        var config = Path.Combine(work, "config");
        var state = Path.Combine(work, "state");
        Directory.CreateDirectory(config);
        Directory.CreateDirectory(state);
        var yaml = GatewayTopology.SkeinConfig(variant.PlaintextHbone, variant.AccessLogOff, variant.Unmeshed);
        await File.WriteAllTextAsync(Path.Combine(config, "bench.yaml"), yaml, ct);
        await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{variant.Name}.yaml"), yaml, ct);
        var prefix = $"gateway-{variant.Name}";
        var control = Pinned(children, $"{prefix}-control", options.LoadCpus, "dotnet", [dll, "control", "--config", config, "--state", state, "--address", GatewayTopology.Control]);
        await Readiness.WaitForHttpAsync(_http, $"http://{GatewayTopology.Control}:20001/readyz", TimeSpan.FromSeconds(60), ct);

        var dataPath = new List<(string, Process)>();
        foreach (var (role, node, address) in new[] { ("node", "node-b", GatewayTopology.NodeProxy), ("gateway", "gateway", GatewayTopology.GatewayProxy) })
        {
            if (role == "node" && variant.Unmeshed)
            {
                // Nothing serves a workload outside the mesh: the backend's node runs no proxy.
                continue;
            }

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
            var name = role == "node" ? "skein-node-proxy" : "skein-gateway";
            List<string> args = ["--role", role, "--node", node, "--address", address, "--control", $"{GatewayTopology.Control}:15012"];
            if (variant.AccessLogOff)
            {
                args.AddRange(["--access-log-format", "off"]);
            }

            // The node role runs as the ahead-of-time skein-proxy (what a node runs); the gateway as `skein proxy`.
            var process = role == "node"
                ? Pinned(children, $"{prefix}-{role}", options.ProxyCpus, NativeProxy, args, env)
                : Pinned(children, $"{prefix}-{role}", options.ProxyCpus, "dotnet", [dll, "proxy", .. args], env);
            dataPath.Add((name, process));
        }

        if (!variant.Unmeshed)
        {
            await Readiness.WaitForHttpAsync(_http, $"http://{GatewayTopology.NodeProxy}:15000/ready", TimeSpan.FromSeconds(60), ct);
        }

        await Readiness.WaitForHttpAsync(_http, $"http://{GatewayTopology.GatewayProxy}:15000/ready", TimeSpan.FromSeconds(60), ct);
        // Listeners and certificates arrive asynchronously: ready means a routed request made it to the backend.
        await Readiness.WaitForHttpAsync(_http, $"http://{GatewayTopology.SkeinGateway}:{GatewayTopology.Http1Port}/", TimeSpan.FromSeconds(60), ct,
            GatewayTopology.Host(GatewayTopology.LoadRoute), (GatewayTopology.RouteHeader, GatewayTopology.HeaderValue(GatewayTopology.LoadRoute)));
        return (("skein-control", control), dataPath);
    }

    /// <summary>The node proxy's inbound counters: HBONE connections with mTLS and in plaintext, which must match the variant.</summary>
    private async Task<string> VerifyHboneAsync(string name, bool plaintext, CancellationToken ct)
    {
        try
        {
            var gateway = await _http.GetStringAsync($"http://{GatewayTopology.GatewayProxy}:15000/stats?format=json", ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{name}-gateway-stats.json"), gateway, ct);
            var json = await _http.GetStringAsync($"http://{GatewayTopology.NodeProxy}:15000/stats?format=json", ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{name}-node-stats.json"), json, ct);
            var stats = JsonNode.Parse(json)!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
            var mtls = stats.GetValueOrDefault("inbound.mtls_cx_total");
            var plain = stats.GetValueOrDefault("inbound.plaintext_cx_total");
            var tunnels = stats.GetValueOrDefault("inbound.connections_total");
            var ok = plaintext ? plain > 0 && mtls == 0 : mtls > 0 && plain == 0;
            return $"node proxy `inbound.mtls_cx_total` = {mtls}, `inbound.plaintext_cx_total` = {plain}, `inbound.connections_total` = {tunnels} " +
                $"({(ok ? (plaintext ? "HBONE without TLS: yes" : "HBONE with mTLS: yes") : "**does not match the variant**")})";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return $"not verified: {e.Message}";
        }
    }

    /// <summary>For the unmeshed variant: nothing listens on the backend's HBONE port, so every request went to the backend directly.</summary>
    private async Task<string> VerifyUnmeshedAsync(string name, CancellationToken ct)
    {
        try
        {
            var gateway = await _http.GetStringAsync($"http://{GatewayTopology.GatewayProxy}:15000/stats?format=json", ct);
            await File.WriteAllTextAsync(Path.Combine(_raw, $"gateway-{name}-gateway-stats.json"), gateway, ct);
            using var probe = new System.Net.Sockets.TcpClient();
            var hboneOpen = false;
            try
            {
                await probe.ConnectAsync(GatewayTopology.Backend, 15008, ct);
                hboneOpen = true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Refused: no node proxy, as intended.
            }

            return hboneOpen
                ? "**something listens on the backend's HBONE port 15008**: the variant is not what it claims"
                : "no node proxy (nothing listens on the backend's :15008): the gateway sent plain HTTP to the backend";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return $"not verified: {e.Message}";
        }
    }

    /// <summary>Formats a number with invariant culture.</summary>
    public static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

}
