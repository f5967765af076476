using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Skein.Cli.Demo;

/// <summary><c>skein demo</c>: brings up a whole mesh on this machine from the embedded default config.</summary>
internal static class DemoCommand
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(25);

    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Bring the mesh up, verify traffic flowed through the proxies, tear down; exit 0 or 1." };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Working directory for config, state and logs (kept afterwards). Default: a temporary directory, removed on exit." };
        var rps = new Option<int>("--rps") { Description = "Load generator requests per second.", DefaultValueFactory = _ => 10 };

        var command = new Command("demo", "Run a bookstore mesh on loopback: control plane, two node proxies, an ingress gateway, six apps, and a load generator.")
        {
            check, dir, rps,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (DemoTopology.ParseBlock(Environment.GetEnvironmentVariable(DemoTopology.BlockVariable)) is null)
            {
                Console.Error.WriteLine($"error: {DemoTopology.BlockVariable} must be a number from 0 to 255 (the second octet of the demo's 127.N.x.y addresses)");
                return 2;
            }

            var workDir = parse.GetValue(dir);
            var keep = workDir is not null;
            var root = workDir?.FullName ?? Path.Combine(Path.GetTempPath(), $"skein-demo-{Environment.ProcessId}");
            await using var demo = new DemoRun(root, keep);
            return await demo.RunAsync(parse.GetValue(check), parse.GetValue(rps), ct);
        });
        return command;
    }

    /// <summary>One demo session: starts everything in order, watches it, and tears it all down.</summary>
    private sealed class DemoRun(string root, bool keep) : IAsyncDisposable
    {
        private readonly List<ChildProcess> _children = [];
        private readonly string _demoId = Guid.NewGuid().ToString("N");
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
        private LoadGenerator? _load;
        private LoadGenerator? _gatewayLoad;

        public async Task<int> RunAsync(bool check, int rps, CancellationToken ct)
        {
            var started = Stopwatch.StartNew();
            var configDir = Path.Combine(root, "config");
            var logDir = Path.Combine(root, "logs");
            Directory.CreateDirectory(configDir);
            Directory.CreateDirectory(logDir);
            await WriteEmbeddedConfigAsync(Path.Combine(configDir, "bookstore.yaml"));
            var injectDir = Path.Combine(root, "inject");
            await DemoFailures.WriteAsync(injectDir);

            if (FindBusyPort() is { } busy)
            {
                Console.Error.WriteLine($"error: {busy} is already in use; is another skein demo running? Stop it first.");
                return 2;
            }

            try
            {
                Console.WriteLine($"Starting the Skein demo mesh (logs in {logDir}) ...");
                var control = Start("control", Launcher.Skein(["control", "--config", configDir, "--state", Path.Combine(root, "state"), "--address", DemoTopology.ControlAddress.ToString()]), logDir);
                await WaitHttpAsync(control, new Uri($"http://{DemoTopology.ControlAddress}:20001/readyz"), ct);
                var stateDir = Path.Combine(root, "state");
                var tokens = Control.Ca.JoinTokens.Load(stateDir);

                foreach (var node in DemoTopology.Nodes)
                {
                    var proxy = StartProxy("node", node, stateDir, tokens, logDir);
                    await WaitHttpAsync(proxy, new Uri(node.Admin, "ready"), ct);
                }

                // The ingress gateway starts alongside the apps; it is waited for once they are up.
                var gateway = StartProxy("gateway", DemoTopology.GatewayProxy, stateDir, tokens, logDir);

                var apps = new List<(ChildProcess, DemoApp)>();
                foreach (var app in DemoTopology.Apps)
                {
                    var args = new List<string> { "--app", app.App, "--version", app.Version, "--namespace", DemoTopology.Namespace, "--listen", $"{app.Address}:{DemoTopology.AppPort}", "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                    foreach (var upstream in app.Upstreams)
                    {
                        args.Add("--upstream");
                        args.Add(upstream);
                    }

                    var info = Launcher.DotnetApp("Skein.Samples.Bookstore.dll", args);
                    info.Environment["POD_NAME"] = app.Workload;
                    if (app.UsesSocks)
                    {
                        info.Environment["ALL_PROXY"] = DemoTopology.SocksFor(app.Address).ToString();
                    }

                    apps.Add((Start(app.Workload, info, logDir), app));
                }

                foreach (var (process, app) in apps)
                {
                    await WaitHttpAsync(process, new Uri($"http://{app.Address}:{DemoTopology.AppPort}/healthz"), ct);
                }

                await WaitHttpAsync(gateway, new Uri(DemoTopology.GatewayProxy.Admin, "ready"), ct);
                await WaitHttpAsync(gateway, new Uri(DemoTopology.GatewayUrl, "healthz"), ct);
                await WaitSocksAsync(DemoTopology.LoadGenerator, ct);
                _load = new LoadGenerator(DemoTopology.SocksFor(DemoTopology.LoadGenerator), DemoTopology.FrontendUrl);
                _load.Start(rps);
                _gatewayLoad = new LoadGenerator(null, DemoTopology.GatewayUrl);
                _gatewayLoad.Start(Math.Max(1, rps / 2));
                PrintLayout(started.Elapsed, configDir, check);

                if (check)
                {
                    return await CheckAsync(ct) ? 0 : 1;
                }

                await ReportUntilCancelledAsync(ct);
                return 0;
            }
            catch (DemoStartException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
        }

        private ChildProcess Start(string name, ProcessStartInfo info, string logDir)
        {
            info.Environment[Core.Hosting.ParentProcessWatch.EnvironmentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            info.Environment["SKEIN_DEMO_ID"] = _demoId;
            var child = ChildProcess.Start(name, info, Path.Combine(logDir, $"{name}.log"));
            _children.Add(child);
            return child;
        }

        private ChildProcess StartProxy(string role, DemoNode node, string stateDir, Control.Ca.JoinTokens tokens, string logDir)
        {
            var info = Launcher.Skein(["proxy", "--role", role, "--node", node.Name, "--address", node.Address.ToString(), "--control", $"{DemoTopology.ControlAddress}:15012"]);
            // Secrets go by environment, not argv, so they do not show in `ps`.
            info.Environment["SKEIN_ROOT_CERT"] = Path.Combine(stateDir, "root-cert.pem");
            info.Environment["SKEIN_TOKEN"] = tokens.TokenFor(node.Name);
            return Start($"proxy-{node.Name}", info, logDir);
        }

        private async Task WaitHttpAsync(ChildProcess process, Uri url, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < StartTimeout)
            {
                ct.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new DemoStartException($"{process.Name} exited during start-up; see {process.LogPath}:\n{Tail(process.LogPath)}");
                }

                try
                {
                    using var response = await _http.GetAsync(url, ct);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                }

                await Task.Delay(100, ct);
            }

            throw new DemoStartException($"{process.Name} did not become ready at {url} within {StartTimeout.TotalSeconds:0} s; see {process.LogPath}");
        }

        /// <summary>The per-workload SOCKS5 port appears once the proxy has the workload and its certificate.</summary>
        private async Task WaitSocksAsync(IPAddress workload, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < StartTimeout)
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(workload, 15080), ct);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(100, ct);
                }
            }

            throw new DemoStartException($"the node proxy did not open {workload}:15080 within {StartTimeout.TotalSeconds:0} s");
        }

        private static string Tail(string path)
        {
            try
            {
                var lines = File.ReadAllLines(path);
                return string.Join('\n', lines.TakeLast(15));
            }
            catch (IOException)
            {
                return "";
            }
        }

        private void PrintLayout(TimeSpan elapsed, string configDir, bool check)
        {
            var injectDir = Path.Combine(root, "inject");
            Console.WriteLine($"Skein demo is up in {elapsed.TotalSeconds:0.0} s.");
            Console.WriteLine();
            Console.WriteLine($"  dashboard       {DemoTopology.DashboardUrl}");
            Console.WriteLine($"  control plane   xDS {DemoTopology.ControlAddress}:15012   API http://{DemoTopology.ControlAddress}:20001   metrics http://{DemoTopology.ControlAddress}:15014/metrics");
            foreach (var node in DemoTopology.Nodes)
            {
                Console.WriteLine($"  {node.Name,-15} proxy {node.Address}   SOCKS5/CONNECT {node.Address}:15080   admin {node.Admin}");
                foreach (var app in DemoTopology.Apps.Where(a => a.Node == node.Name))
                {
                    Console.WriteLine($"    {app.Workload,-14} http://{app.Address}:{DemoTopology.AppPort}");
                }
            }

            Console.WriteLine($"  {DemoTopology.GatewayProxy.Name,-15} proxy {DemoTopology.GatewayProxy.Address}   admin {DemoTopology.GatewayProxy.Admin}");
            Console.WriteLine($"    {DemoTopology.GatewayName,-14} {DemoTopology.GatewayUrl}   (ingress: HTTPRoute frontend)");

            var nodeA = DemoTopology.Nodes[0];
            Console.WriteLine();
            Console.WriteLine($"Bookstore through the ingress gateway: {DemoTopology.GatewayUrl}");
            Console.WriteLine();
            Console.WriteLine("Try:");
            Console.WriteLine($"  curl {DemoTopology.GatewayUrl}books                              # from outside, through the gateway");
            Console.WriteLine($"  curl --socks5-hostname {DemoTopology.LoadGenerator}:15080 http://frontend.bookstore:8080/books   # as the loadgen workload");
            Console.WriteLine($"  curl -p -x http://{DemoTopology.LoadGenerator}:15080 http://catalog.bookstore:8080/books");
            Console.WriteLine($"  curl {nodeA.Admin}stats | grep outbound       # the proxy's own counters");
            Console.WriteLine($"  curl {nodeA.Admin}config_dump                  # what the proxy received over xDS");
            Console.WriteLine($"  skein get Workload -n bookstore");
            Console.WriteLine($"  edit {Path.Combine(configDir, "bookstore.yaml")}   # changes reach the proxies live");
            Console.WriteLine("  skein top                                         # live edges: rps, errors, p50/p99, bytes, mTLS");
            Console.WriteLine();
            Console.WriteLine("Inject a failure (a DENY AuthorizationPolicy: payments refuses the frontend), then ask why:");
            Console.WriteLine($"  cp {Path.Combine(injectDir, DemoFailures.DenyPayments)} {configDir}/");
            Console.WriteLine("  skein top                                         # frontend-v1 -> payments turns red");
            Console.WriteLine("  skein explain --from frontend-v1 --to payments    # names the policy and the hop");
            Console.WriteLine($"  rm {Path.Combine(configDir, DemoFailures.DenyPayments)}   # heal");
            Console.WriteLine();
            Console.WriteLine(check ? "Checking that traffic flows through the proxies ..." : "Press Ctrl-C to stop everything.");
        }

        private async Task ReportUntilCancelledAsync(CancellationToken ct)
        {
            var lastOk = 0L;
            var lastFailed = 0L;
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                var ok = _load!.Succeeded + _gatewayLoad!.Succeeded;
                var failed = _load.Failed + _gatewayLoad.Failed;
                Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] load: {ok - lastOk} ok, {failed - lastFailed} failed in the last 10 s{(failed > lastFailed ? $" (last error: {_load.LastError ?? _gatewayLoad.LastError})" : "")}");
                (lastOk, lastFailed) = (ok, failed);
                foreach (var child in _children.Where(c => c.HasExited))
                {
                    Console.WriteLine($"warning: {child.Name} has exited; see {child.LogPath}");
                }
            }
        }

        /// <summary>Passes when the access logs streamed to the control plane show frontend → catalog in the topology.</summary>
        private async Task<(string, bool, string)> TopologyCheckAsync(CancellationToken ct)
        {
            const string name = "the control plane's topology shows frontend-v1 -> catalog";
            try
            {
                var topology = System.Text.Json.Nodes.JsonNode.Parse(await _http.GetStringAsync($"http://{DemoTopology.ControlAddress}:20001/api/v1/topology?window=1m", ct));
                var edge = topology?["edges"]?.AsArray().FirstOrDefault(e =>
                    e?["source"]?.GetValue<string>() == "workload:bookstore/frontend-v1" && e["target"]?.GetValue<string>() == "service:bookstore/catalog");
                var edges = topology?["edges"]?.AsArray().Count ?? 0;
                return edge is null
                    ? (name, false, $"no such edge among {edges}")
                    : (name, edge["requests"]!.GetValue<long>() > 0, $"{edge["requests"]} connections, {edge["rps"]} per second, p99 {edge["p99Ms"]} ms, {edges} edges in all");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return (name, false, e.Message);
            }
        }

        /// <summary>Passes when the gateway's HTTP access records show gateway → frontend as an http edge with a request rate and latency.</summary>
        private async Task<(string, bool, string)> GatewayTopologyCheckAsync(CancellationToken ct)
        {
            var name = $"the topology shows {DemoTopology.GatewayName} -> frontend as HTTP";
            var deadline = Stopwatch.StartNew();
            var detail = "";
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    var topology = JsonNode.Parse(await _http.GetStringAsync($"http://{DemoTopology.ControlAddress}:20001/api/v1/topology?window=1m", ct));
                    var edge = topology?["edges"]?.AsArray().FirstOrDefault(e =>
                        e?["source"]?.GetValue<string>() == $"workload:{DemoTopology.Namespace}/{DemoTopology.GatewayName}" &&
                        e["target"]?.GetValue<string>() == $"service:{DemoTopology.Namespace}/frontend" && e["protocol"]?.GetValue<string>() == "http");
                    if (edge is not null && edge["requests"]!.GetValue<long>() > 0 && edge["p99Ms"] is not null)
                    {
                        return (name, true, $"{edge["requests"]} requests, {edge["rps"]} per second, p99 {edge["p99Ms"]} ms, mTLS {edge["mtls"]}");
                    }

                    detail = "no such edge yet";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    detail = e.Message;
                }

                await Task.Delay(250, ct);
            }

            return (name, false, detail);
        }

        /// <summary>Passes when requests succeeded and the proxies' own counters show the traffic crossing them.</summary>
        private async Task<bool> CheckAsync(CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (_load!.Succeeded < 30 && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200, ct);
            }

            var nodeA = DemoTopology.Nodes[0];
            var statsA = await StatsAsync(nodeA, ct);
            var statsB = await StatsAsync(DemoTopology.Nodes[1], ct);
            var results = new List<(string Check, bool Ok, string Detail)>
            {
                ("requests through the mesh succeed", _load.Succeeded >= 30 && _load.Failed <= _load.Succeeded / 10,
                    $"{_load.Succeeded} ok, {_load.Failed} failed{(_load.LastError is { } e ? $" (last: {e})" : "")}"),
            };
            foreach (var service in new[] { "frontend", "catalog", "reviews", "payments" })
            {
                results.Add(ClusterCheck(nodeA.Name, statsA, service));
            }

            var inventoryA = Connections(statsA, "inventory");
            var inventoryB = Connections(statsB, "inventory");
            results.Add(("inventory reached via node proxies' SOCKS5", inventoryA + inventoryB > 0, $"node-a {inventoryA}, node-b {inventoryB} connections"));

            foreach (var node in DemoTopology.Nodes)
            {
                results.Add(await CertificateCheckAsync(node, ct));
            }

            // Cross-node traffic must have travelled as HBONE over mTLS, and nothing in plaintext.
            var mtls = statsA.Where(p => p.Key.EndsWith(".upstream_cx_mtls", StringComparison.Ordinal)).Sum(p => p.Value)
                + statsB.Where(p => p.Key.EndsWith(".upstream_cx_mtls", StringComparison.Ordinal)).Sum(p => p.Value);
            var plaintext = statsA.Concat(statsB).Where(p => p.Key.EndsWith(".upstream_cx_plaintext", StringComparison.Ordinal) || p.Key.EndsWith(".upstream_cx_passthrough", StringComparison.Ordinal)).Sum(p => p.Value);
            var inboundB = statsB.GetValueOrDefault("inbound.mtls_cx_total");
            results.Add(("workload-to-workload hops used HBONE with mTLS", mtls > 0 && plaintext == 0 && inboundB > 0,
                $"{mtls} mTLS tunnels opened, {plaintext} plaintext or passthrough, node-b accepted {inboundB} mTLS connections"));

            results.Add(await TopologyCheckAsync(ct));
            results.Add(("requests through the ingress gateway succeed", _gatewayLoad!.Succeeded > 0 && _gatewayLoad.Failed <= _gatewayLoad.Succeeded / 10,
                $"{_gatewayLoad.Succeeded} ok, {_gatewayLoad.Failed} failed{(_gatewayLoad.LastError is { } g ? $" (last: {g})" : "")} at {DemoTopology.GatewayUrl}"));
            results.Add(await GatewayTopologyCheckAsync(ct));

            Console.WriteLine();
            foreach (var (name, ok, detail) in results)
            {
                Console.WriteLine($"  {(ok ? "PASS" : "FAIL")}  {name}: {detail}");
            }

            var passed = results.All(r => r.Ok);
            Console.WriteLine(passed ? "demo check passed" : "demo check FAILED");
            return passed;
        }

        private static (string, bool, string) ClusterCheck(string node, IReadOnlyDictionary<string, long> stats, string service)
        {
            var connections = Connections(stats, service);
            var cluster = $"cluster.outbound|8080||{service}.bookstore.svc.cluster.local";
            var sent = stats.GetValueOrDefault($"{cluster}.upstream_cx_tx_bytes_total");
            var received = stats.GetValueOrDefault($"{cluster}.upstream_cx_rx_bytes_total");
            return ($"{node} proxied traffic to {service}", connections > 0 && sent > 0 && received > 0, $"{connections} connections, {sent} bytes sent, {received} bytes received");
        }

        /// <summary>Every workload identity placed on the node has a certificate from the mesh CA in that node's proxy.</summary>
        private async Task<(string, bool, string)> CertificateCheckAsync(DemoNode node, CancellationToken ct)
        {
            var expected = DemoTopology.Apps.Where(a => a.Node == node.Name)
                .Select(a => a.App).Concat(node == DemoTopology.Nodes[0] ? ["loadgen"] : [])
                .Select(sa => $"spiffe://cluster.local/ns/{DemoTopology.Namespace}/sa/{sa}").ToHashSet();
            var held = new HashSet<string>();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                var dump = JsonNode.Parse(await _http.GetStringAsync(new Uri(node.Admin, "config_dump"), ct))!;
                held = dump["certificates"]!.AsArray().Select(c => c!["identity"]!.GetValue<string>()).ToHashSet();
                if (held.SetEquals(expected))
                {
                    break;
                }

                await Task.Delay(200, ct);
            }

            return ($"{node.Name} holds certificates for its workloads", held.SetEquals(expected), string.Join(", ", held.Order()));
        }

        private static long Connections(IReadOnlyDictionary<string, long> stats, string service) =>
            stats.GetValueOrDefault($"cluster.outbound|8080||{service}.bookstore.svc.cluster.local.upstream_cx_total");

        private async Task<IReadOnlyDictionary<string, long>> StatsAsync(DemoNode node, CancellationToken ct)
        {
            // Connections are counted when they close; pooled keep-alive connections may still be open.
            var json = await _http.GetStringAsync(new Uri(node.Admin, "stats?format=json"), ct);
            var obj = JsonNode.Parse(json)!.AsObject();
            return obj.ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
        }

        private static string? FindBusyPort()
        {
            var endpoints = new List<IPEndPoint>
            {
                new(DemoTopology.ControlAddress, 15012), new(DemoTopology.ControlAddress, 20001), new(DemoTopology.ControlAddress, 15014),
            };
            endpoints.AddRange(DemoTopology.Nodes.SelectMany(n => new[] { new IPEndPoint(n.Address, 15080), new IPEndPoint(n.Address, 15000) }));
            endpoints.Add(new IPEndPoint(DemoTopology.GatewayProxy.Address, 15000));
            endpoints.Add(new IPEndPoint(DemoTopology.GatewayAddress, DemoTopology.GatewayUrl.Port));
            endpoints.AddRange(DemoTopology.Apps.Select(a => new IPEndPoint(a.Address, DemoTopology.AppPort)));
            foreach (var ep in endpoints)
            {
                using var probe = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    probe.Bind(ep);
                }
                catch (SocketException)
                {
                    return ep.ToString();
                }
            }

            return null;
        }

        private static async Task WriteEmbeddedConfigAsync(string path)
        {
            await using var resource = typeof(DemoCommand).Assembly.GetManifestResourceStream("Skein.Cli.Demo.bookstore.yaml")
                ?? throw new InvalidOperationException("embedded demo config is missing");
            using var reader = new StreamReader(resource);
            await File.WriteAllTextAsync(path, DemoTopology.MoveToBlock(await reader.ReadToEndAsync()));
        }

        public async ValueTask DisposeAsync()
        {
            if (_load is not null)
            {
                await _load.DisposeAsync();
            }

            if (_gatewayLoad is not null)
            {
                await _gatewayLoad.DisposeAsync();
            }

            // Apps first, then proxies, then the control plane: the reverse of start-up.
            var stops = new List<Task>();
            foreach (var child in Enumerable.Reverse(_children))
            {
                stops.Add(child.StopAsync(TimeSpan.FromSeconds(5)));
            }

            await Task.WhenAll(stops);
            foreach (var child in _children)
            {
                await child.DisposeAsync();
            }

            _http.Dispose();
            Console.WriteLine($"Stopped {_children.Count} processes.");
            if (!keep)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private sealed class DemoStartException(string message) : Exception(message);
}
