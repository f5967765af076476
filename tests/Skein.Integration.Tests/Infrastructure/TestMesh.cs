using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>A control plane, node proxies and backends on a private loopback block, as real processes.</summary>
public sealed class TestMesh : IAsyncDisposable
{
    private readonly List<TestProcess> _processes = [];
    private readonly Dictionary<string, TestProcess> _proxies = new(StringComparer.Ordinal);

    private readonly IPAddress? _controlAddress;

    /// <param name="controlAddress">Where the control plane listens; default the block's first address (a test whose proxies run in other network namespaces passes one they can reach).</param>
    public TestMesh(IPAddress? controlAddress = null)
    {
        _controlAddress = controlAddress;
        Block = Loopback.NextBlock();
        Root = Directory.CreateTempSubdirectory("skein-test-").FullName;
        ConfigDir = Path.Combine(Root, "config");
        Directory.CreateDirectory(ConfigDir);
    }

    public LoopbackBlock Block { get; }

    public string Root { get; }

    public string ConfigDir { get; }

    public IPAddress ControlAddress => _controlAddress ?? Block.Host(1);

    public TestProcess? Control { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(5) };

    public Uri Api => new($"http://{ControlAddress}:20001/");

    public string StateDir => Path.Combine(Root, "state");

    /// <summary>The mesh root the control plane wrote on first start.</summary>
    public string RootCertPath => Path.Combine(StateDir, "root-cert.pem");

    /// <summary>A node's join token, derived as <c>skein token</c> does.</summary>
    public string TokenFor(string node) => Skein.Control.Ca.JoinTokens.Load(StateDir).TokenFor(node);

    public void WriteConfig(string file, string yaml) => File.WriteAllText(Path.Combine(ConfigDir, file), yaml);

    public async Task<TestProcess> StartControlAsync(params string[] extraArgs)
    {
        Control = Track(TestProcess.Skein("control", ["control", "--config", ConfigDir, "--state", StateDir, "--address", ControlAddress.ToString(), .. extraArgs]));
        await WaitOkAsync(Control, new Uri(Api, "readyz"));
        return Control;
    }

    /// <summary>Starts the control plane reading its configuration from a Kubernetes API server (<c>--kubernetes --kubeconfig</c>).</summary>
    public async Task<TestProcess> StartKubernetesControlAsync(string kubeconfig)
    {
        Control = Track(TestProcess.Skein("control", ["control", "--kubernetes", "--kubeconfig", kubeconfig, "--state", StateDir, "--address", ControlAddress.ToString()]));
        await WaitOkAsync(Control, new Uri(Api, "readyz"));
        return Control;
    }

    /// <summary>Starts a node proxy: <c>skein proxy</c>, or the ahead-of-time <c>skein-proxy</c> at <paramref name="nativeExecutable"/>.</summary>
    public async Task<TestProcess> StartProxyAsync(string node, IPAddress address, bool waitReady = true, string? nativeExecutable = null, IEnumerable<string>? extraArgs = null)
    {
        string[] args = ["--role", "node", "--node", node, "--address", address.ToString(), "--control", $"{ControlAddress}:15012", .. extraArgs ?? []];
        var env = new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = RootCertPath, ["SKEIN_TOKEN"] = TokenFor(node) };
        var proxy = Track(nativeExecutable is null
            ? TestProcess.Skein($"proxy-{node}", ["proxy", .. args], env)
            : TestProcess.Start($"proxy-{node}", nativeExecutable, args, env));
        _proxies[node] = proxy;
        if (waitReady)
        {
            await WaitOkAsync(proxy, AdminUri(address, "ready"));
        }

        return proxy;
    }

    /// <summary>Starts a gateway- or waypoint-role proxy for <paramref name="node"/>; its admin port is on <paramref name="address"/>.</summary>
    /// <summary>The gateway tests' data path: the control plane, node-1's node proxy on <paramref name="nodeProxy"/>, and the gateway-role proxy on <paramref name="gatewayProxy"/>.</summary>
    public async Task StartGatewayPathAsync(IPAddress nodeProxy, IPAddress gatewayProxy, params string[] gatewayArgs)
    {
        await StartControlAsync();
        await StartProxyAsync("node-1", nodeProxy);
        await StartL7ProxyAsync("gateway", "gateway", gatewayProxy, gatewayArgs);
    }

    public async Task<TestProcess> StartL7ProxyAsync(string role, string node, IPAddress address, params string[] extraArgs)
    {
        var proxy = Track(TestProcess.Skein($"{role}-{node}", ["proxy", "--role", role, "--node", node, "--address", address.ToString(), "--control", $"{ControlAddress}:15012", .. extraArgs],
            new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = RootCertPath, ["SKEIN_TOKEN"] = TokenFor(node) }));
        _proxies[node] = proxy;
        await WaitOkAsync(proxy, AdminUri(address, "ready"));
        return proxy;
    }

    /// <summary>
    /// The mesh most tests need: Service echo (80 → 8080) backed by echo-1 (sa echo) and a client-1 workload
    /// (sa client, optionally with a localhost upstream to echo), one node proxy; returns their addresses once
    /// the client's own SOCKS port (and upstream, if any) is listening.
    /// </summary>
    public async Task<(IPAddress Node, IPAddress Echo, IPAddress Client)> StartEchoAndClientAsync(int? upstreamPort = null, string extraYaml = "", params string[] controlArgs)
    {
        var node = Block.Host(2);
        var echo = Block.Host(10);
        var client = Block.Host(11);
        (string, int, int)[] upstreams = upstreamPort is { } port ? [("echo", 80, port)] : [];
        WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", echo, "echo", "echo") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", "client", upstreams) + extraYaml);
        await StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
        await StartControlAsync(controlArgs);
        await StartProxyAsync("node-1", node);
        await WaitListeningAsync(new IPEndPoint(client, upstreamPort ?? 15080));
        return (node, echo, client);
    }

    public async Task<TestProcess> StartEchoAsync(string pod, IPEndPoint listen, string ns = "default")
    {
        var echo = Track(TestProcess.Sample(pod, "Skein.Samples.Echo", ["--listen", listen.ToString()], new Dictionary<string, string> { ["POD_NAME"] = pod, ["NAMESPACE"] = ns }));
        await WaitOkAsync(echo, new Uri($"http://{listen}/healthz"));
        return echo;
    }

    /// <summary>Waits until something accepts connections on <paramref name="endPoint"/> (a proxy's per-workload listener).</summary>
    public async Task WaitListeningAsync(IPEndPoint endPoint) =>
        await EventuallyAsync(async () =>
        {
            using var probe = new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), $"a listener on {endPoint}");

    /// <summary>Waits until <paramref name="client"/> gets 200 from <paramref name="url"/> (a gateway routing it); on timeout the exception carries every process's output.</summary>
    public async Task WaitForRouteAsync(HttpClient client, Uri url, string what)
    {
        try
        {
            await EventuallyAsync(async () =>
            {
                try
                {
                    using var response = await client.GetAsync(url);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Logs}", e);
        }
    }

    /// <summary>Waits until some line of the processes' output (an access log line, say) satisfies <paramref name="matches"/>.</summary>
    public Task WaitForLogLineAsync(Func<string, bool> matches, string what) =>
        EventuallyAsync(() => Task.FromResult(Logs.Split('\n').Any(matches)), TimeSpan.FromSeconds(10), what);

    public static Uri AdminUri(IPAddress proxy, string path) => new($"http://{proxy}:15000/{path}");

    public async Task<JsonObject> GetJsonAsync(Uri uri) => JsonNode.Parse(await Http.GetStringAsync(uri))!.AsObject();

    public Task<JsonObject> ConfigDumpAsync(IPAddress proxy) => GetJsonAsync(AdminUri(proxy, "config_dump"));

    public async Task<long> StatAsync(IPAddress proxy, string name)
    {
        var stats = await GetJsonAsync(AdminUri(proxy, "stats?format=json"));
        return stats[name]?.GetValue<long>() ?? 0;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; returns how long it took.</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        Exception? last = null;
        while (sw.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return sw.Elapsed;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                last = e;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}{(last is null ? "" : $" (last error: {last.Message})")}");
    }

    public async Task WaitOkAsync(TestProcess process, Uri url)
    {
        await EventuallyAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}:\n{process.Output}");
            }

            using var response = await Http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(30), $"{process.Name} at {url}");
    }

    public TestProcess Track(TestProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>An HttpClient whose every connection goes through a node proxy's SOCKS5 port (a fresh connection per request).</summary>
    public static HttpClient SocksClient(IPAddress proxy) => new(new SocketsHttpHandler
    {
        Proxy = new WebProxy($"socks5://{proxy}:15080"),
        UseProxy = true,
        PooledConnectionLifetime = TimeSpan.Zero,
    })
    { Timeout = TimeSpan.FromSeconds(5) };

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        Http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Everything the processes printed, for failure messages.</summary>
    public string Logs => string.Join("\n\n", _processes.Select(p => $"--- {p.Name}\n{p.Output}"));
}
