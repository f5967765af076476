using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Skein.Conformance.Translation;

namespace Skein.Conformance.Harness;

/// <summary>
/// The processes a corpus runs against, started once: a control plane watching a config dir, a node proxy hosting
/// the echo pods, a gateway proxy, and (for mesh tests) a waypoint; all on a private 127.x block.
/// </summary>
public sealed class ConformanceMesh : IAsyncDisposable
{
    /// <summary>The node the echo pods (Workloads) are placed on.</summary>
    public const string BackendNode = "backend";

    /// <summary>The node gateway proxies serve (class skein's default placement).</summary>
    public const string GatewayNode = "gateway";

    /// <summary>The node waypoint proxies serve (class skein-waypoint's default placement).</summary>
    public const string WaypointNode = "waypoint";

    private static readonly ConcurrentDictionary<ManagedProcess, byte> Everything = new();
    private readonly ConcurrentDictionary<string, ManagedProcess> _pods = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Action<string> _log;
    private int _nextHost = 20;

    /// <summary>Reserves a block from the process id so concurrent runs (and the integration tests, 127.60+) never clash.</summary>
    public ConformanceMesh(Action<string> log)
    {
        _log = log;
        var block = 1 + (Environment.ProcessId % 250);
        Prefix = $"127.58.{block}.";
        GatewayAddressPool = $"127.242.{block}.0/24";
        Root = Directory.CreateTempSubdirectory("skein-conformance-").FullName;
        ConfigDir = Path.Combine(Root, "config");
        StateDir = Path.Combine(Root, "state");
        Directory.CreateDirectory(ConfigDir);
    }

    /// <summary>The first three octets of this run's loopback block.</summary>
    public string Prefix { get; }

    /// <summary>The CIDR the control plane allocates Gateway addresses from.</summary>
    public string GatewayAddressPool { get; }

    /// <summary>Scratch directory of the run (config, state).</summary>
    public string Root { get; }

    /// <summary>The directory the control plane watches.</summary>
    public string ConfigDir { get; }

    /// <summary>The control plane's state directory (root cert, join tokens).</summary>
    public string StateDir { get; }

    /// <summary>
    /// What upstream's address placeholders become: usable is a free address of this run's loopback block (this host
    /// can bind it, and the pool never hands it out); unusable is 192.0.2.1 (RFC 5737 TEST-NET-1, on no interface).
    /// </summary>
    public StaticAddresses StaticAddresses => new(Host(10), IPAddress.Parse("192.0.2.1"));

    /// <summary>Where the control plane listens.</summary>
    public IPAddress ControlAddress => Host(1);

    /// <summary>The requests echo pods logged.</summary>
    public RequestJournal Journal { get; } = new();

    /// <summary>The gateway proxy, once started.</summary>
    public ManagedProcess? Gateway { get; private set; }

    /// <summary>The waypoint proxy, once started.</summary>
    public ManagedProcess? Waypoint { get; private set; }

    /// <summary>Why the gateway proxy is not serving, if it is not.</summary>
    public string? GatewayProblem { get; private set; }

    /// <summary>The control plane's REST API base.</summary>
    public Uri Api => new($"http://{ControlAddress}:20001/");

    /// <summary>Kills every process any mesh started (for Ctrl-C and SIGTERM handlers, which cannot await).</summary>
    public static void KillEverything()
    {
        foreach (var process in Everything.Keys)
        {
            process.Kill();
        }
    }

    /// <summary>A fresh address for an echo pod.</summary>
    public IPAddress NextPodAddress()
    {
        var host = Interlocked.Increment(ref _nextHost);
        return host <= 254 ? Host(host) : throw new InvalidOperationException("out of pod addresses in this run's /24");
    }

    /// <summary>Starts the control plane and the node proxy; the gateway proxy is started by <see cref="StartGatewayAsync"/>.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var help = await ManagedProcess.RunToEndAsync("skein", ["control", "--help"], ct);
        List<string> args = ["control", "--config", ConfigDir, "--state", StateDir, "--address", ControlAddress.ToString()];
        if (help.Contains("--gateway-address-pool", StringComparison.Ordinal))
        {
            args.AddRange(["--gateway-address-pool", GatewayAddressPool]);
        }
        else
        {
            _log("note: this skein control has no --gateway-address-pool; Gateways get no addresses from a private pool");
        }

        var control = Track(ManagedProcess.StartAssembly("control", "skein", args));
        await WaitHttpOkAsync(control, new Uri(Api, "readyz"), ct);
        await StartProxyAsync("node", BackendNode, Host(2), ct);
    }

    /// <summary>Starts the gateway proxy; on failure records why in <see cref="GatewayProblem"/> instead of throwing.</summary>
    public async Task StartGatewayAsync(CancellationToken ct)
    {
        try
        {
            Gateway = await StartProxyAsync("gateway", GatewayNode, Host(3), ct);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            GatewayProblem = $"the gateway proxy did not start: {FirstLines(e.Message, 6)}";
            _log(GatewayProblem);
        }
    }

    /// <summary>Starts the waypoint proxy (mesh tests); returns why it failed, or null.</summary>
    public async Task<string?> StartWaypointAsync(CancellationToken ct)
    {
        try
        {
            Waypoint = await StartProxyAsync("waypoint", WaypointNode, Host(4), ct);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return $"the waypoint proxy did not start: {FirstLines(e.Message, 6)}";
        }
    }

    /// <summary>The meshed client's address (a Workload on the backend node; its SOCKS port is the node proxy's per-workload listener).</summary>
    public IPAddress ClientAddress => Host(5);

    /// <summary>Waits until the node proxy serves the meshed client's SOCKS port; returns why not, or null.</summary>
    public async Task<string?> WaitMeshClientAsync(CancellationToken ct)
    {
        var endPoint = new IPEndPoint(ClientAddress, MeshClient.SocksPort);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint, ct);
                return null;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }

        return $"the node proxy never served the meshed client's SOCKS port {endPoint}";
    }

    /// <summary>Starts the echo processes of <paramref name="pods"/> (in parallel) and waits until each answers.</summary>
    public async Task StartPodsAsync(IEnumerable<EchoPod> pods, CancellationToken ct) =>
        await Task.WhenAll(pods.Select(async pod =>
        {
            List<string> args = ["--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "--request-log", "stdout",
                "--mode", pod.Mode.ToString().ToLowerInvariant()];
            foreach (var port in pod.Ports)
            {
                args.AddRange(["--listen", new IPEndPoint(pod.Address, port).ToString()]);
            }

            foreach (var port in pod.TlsPorts)
            {
                args.AddRange(["--tls-port", port.ToString(CultureInfo.InvariantCulture)]);
            }

            if (pod.TlsFiles is { } files)
            {
                // Material the runner does not create (a Secret only some other upstream test fills in) leaves the echo
                // on a throwaway self-signed certificate: no test of this runner verifies it.
                if (await MountAsync(pod, files.Certificate, ct) is { } cert && await MountAsync(pod, files.PrivateKey, ct) is { } key)
                {
                    args.AddRange(["--tls-cert", cert, "--tls-key", key]);
                    if (files.ClientCa is { } clientCa && await MountAsync(pod, clientCa, ct) is { } ca)
                    {
                        args.AddRange(["--tls-client-ca", ca]);
                    }
                }
                else
                {
                    _log($"pod {pod.Namespace}/{pod.Name}: {files.Certificate} is not created by the runner; serving a self-signed certificate");
                }
            }

            var process = Track(ManagedProcess.StartAssembly($"echo {pod.Name}", "Skein.Samples.Echo", args,
                new Dictionary<string, string> { ["POD_NAME"] = pod.Name, ["NAMESPACE"] = pod.Namespace, ["ASPNETCORE_URLS"] = "" },
                line => Journal.Observe(pod.Name, pod.Namespace, line)));
            _pods[pod.Name] = process;
            if (pod.Mode == EchoMode.Tcp)
            {
                await WaitTcpAsync(process, new IPEndPoint(pod.Address, pod.Ports.FirstOrDefault(p => !pod.TlsPorts.Contains(p), pod.Ports[0])), ct);
            }
            else
            {
                await WaitHttpOkAsync(process, new Uri($"http://{new IPEndPoint(pod.Address, pod.Ports.FirstOrDefault(p => !pod.TlsPorts.Contains(p), pod.Ports[0]))}/healthz"), ct);
            }
        }));

    /// <summary>The text of a Secret or ConfigMap key a pod mounts (the runner's generated TLS material); null when unknown.</summary>
    public Func<MountedKey, string?> MountedContent { get; set; } = _ => null;

    // Writes a mounted key into the pod's own directory, as the kubelet would project it; null when its content is unknown.
    private async Task<string?> MountAsync(EchoPod pod, MountedKey key, CancellationToken ct)
    {
        if (MountedContent(key) is not { } content)
        {
            return null;
        }

        var dir = Path.Combine(Root, "pods", pod.Name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{key.Kind}-{key.Name}-{key.Key}".ToLowerInvariant());
        await File.WriteAllTextAsync(path, content, ct);
        return path;
    }

    /// <summary>Stops the echo processes of <paramref name="pods"/>.</summary>
    public async Task StopPodsAsync(IEnumerable<EchoPod> pods)
    {
        foreach (var pod in pods)
        {
            if (_pods.TryRemove(pod.Name, out var process))
            {
                Everything.TryRemove(process, out _);
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Writes <paramref name="yaml"/> as <paramref name="file"/> in the watched config dir.</summary>
    public async Task WriteConfigAsync(string file, string yaml, CancellationToken ct)
    {
        // Written aside and renamed so the watcher never reads half a file.
        var path = Path.Combine(ConfigDir, file);
        var temp = Path.Combine(Root, file + ".tmp");
        await File.WriteAllTextAsync(temp, yaml, ct);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes <paramref name="file"/> from the config dir.</summary>
    public void RemoveConfig(string file) => File.Delete(Path.Combine(ConfigDir, file));

    /// <summary>The resource's JSON (with status) from the control plane's API, or null if it holds none.</summary>
    public async Task<JsonObject?> GetResourceAsync(string kind, string? ns, string name, CancellationToken ct)
    {
        var query = $"api/v1/resources?kind={Uri.EscapeDataString(kind)}&name={Uri.EscapeDataString(name)}" + (ns is null ? "" : $"&namespace={Uri.EscapeDataString(ns)}");
        var json = JsonNode.Parse(await _http.GetStringAsync(new Uri(Api, query), ct)) as JsonObject;
        return (json?["items"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
    }

    /// <summary>The control plane's current configuration errors that name <paramref name="file"/>.</summary>
    public async Task<IReadOnlyList<string>> ConfigErrorsAsync(string file, CancellationToken ct)
    {
        var json = JsonNode.Parse(await _http.GetStringAsync(new Uri(Api, "api/v1/config-errors"), ct)) as JsonObject;
        return (json?["errors"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => (e["file"]?.GetValue<string>() ?? "").EndsWith(file, StringComparison.Ordinal))
            .Select(e => e["text"]?.GetValue<string>() ?? "")
            .ToList();
    }

    /// <summary>The version of the configuration the control plane serves (it grows with every reload).</summary>
    public async Task<long> ConfigVersionAsync(CancellationToken ct)
    {
        var json = JsonNode.Parse(await _http.GetStringAsync(new Uri(Api, "api/v1/config-errors"), ct)) as JsonObject;
        return json?["version"]?.GetValue<long>() ?? 0;
    }

    /// <summary>Polls until the control plane serves a configuration newer than <paramref name="version"/>; null, or why not (config errors naming <paramref name="file"/>, timeout).</summary>
    public async Task<string?> WaitForReloadAsync(string file, long version, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ConfigVersionAsync(ct) <= version)
        {
            if (DateTime.UtcNow > deadline)
            {
                return $"the control plane did not reload {file} within {timeout.TotalSeconds:0} s";
            }

            await Task.Delay(100, ct);
        }

        return await ConfigErrorsAsync(file, ct) is { Count: > 0 } errors ? "the control plane rejected the manifests: " + string.Join("; ", errors.Take(3)) : null;
    }

    /// <summary>Polls until every resource is present (or absent, with <paramref name="present"/> false); config errors naming the file end the wait early.</summary>
    public async Task<string?> WaitForResourcesAsync(string file, IReadOnlyList<ResourceRef> resources, bool present, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = resources.ToList();
        while (true)
        {
            if (present && await ConfigErrorsAsync(file, ct) is { Count: > 0 } errors)
            {
                return "the control plane rejected the manifests: " + string.Join("; ", errors.Take(3));
            }

            var still = new List<ResourceRef>();
            foreach (var r in pending)
            {
                var found = await GetResourceAsync(r.Kind, r.Namespace, r.Name, ct) is not null;
                if (found != present)
                {
                    still.Add(r);
                }
            }

            pending = still;
            if (pending.Count == 0)
            {
                return null;
            }

            if (DateTime.UtcNow > deadline)
            {
                return $"{(present ? "not loaded" : "not removed")} after {timeout.TotalSeconds:0} s: {string.Join(", ", pending.Take(5))}";
            }

            await Task.Delay(100, ct);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var process in Everything.Keys)
        {
            Everything.TryRemove(process, out _);
            await process.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private IPAddress Host(int last) => IPAddress.Parse(Prefix + last.ToString(CultureInfo.InvariantCulture));

    private async Task<ManagedProcess> StartProxyAsync(string role, string node, IPAddress address, CancellationToken ct)
    {
        var token = (await ManagedProcess.RunToEndAsync("skein", ["token", "--state", StateDir, "--node", node], ct)).Trim();
        var proxy = Track(ManagedProcess.StartAssembly($"proxy-{role}", "skein",
            ["proxy", "--role", role, "--node", node, "--address", address.ToString(), "--control", $"{ControlAddress}:15012"],
            new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = Path.Combine(StateDir, "root-cert.pem"), ["SKEIN_TOKEN"] = token }));
        await WaitHttpOkAsync(proxy, new Uri($"http://{address}:15000/ready"), ct);
        return proxy;
    }

    private ManagedProcess Track(ManagedProcess process)
    {
        Everything[process] = 0;
        return process;
    }

    // A TCP echo is ready once it accepts a connection.
    private static async Task WaitTcpAsync(ManagedProcess process, IPEndPoint endPoint, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}:\n{process.Output}");
            }

            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endPoint, ct);
                return;
            }
            catch (SocketException)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{process.Name} did not accept connections on {endPoint} within 60 s:\n{FirstLines(process.Output, 20)}");
    }

    private async Task WaitHttpOkAsync(ManagedProcess process, Uri url, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}:\n{process.Output}");
            }

            try
            {
                using var response = await _http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException && !ct.IsCancellationRequested)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{process.Name} did not answer {url} within 60 s:\n{FirstLines(process.Output, 20)}");
    }

    private static string FirstLines(string text, int n) => string.Join('\n', text.Split('\n').Take(n));
}
