using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>
/// Two nodes and their workloads in network namespaces (<c>ip netns</c>), wired with veth pairs, for transparent capture:
/// <code>
///   host (test, control plane 10.N.0.1) ── node-a 10.N.0.2 / 10.N.1.1 ── node-b 10.N.1.2
///                                            └─ wa1 (client-a1 10.N.10.2)  ├─ wb1 (echo-b1 10.N.20.2)
///                                                                          └─ out (outside the mesh 10.N.30.2)
/// </code>
/// Workloads route everything through their node (default route over their veth), as a CNI would; node-a forwards
/// between the host and node-b. Names carry the test host's pid and a counter, so parallel runs never clash, and
/// 10.N is a /16 no interface or route of the host uses. Disposing deletes the namespaces (which removes their veths,
/// routes and nftables rules); namespaces left by a test host that died are deleted by the next lab.
/// </summary>
public sealed class CaptureLab : IAsyncDisposable
{
    private const string NamePrefix = "skc";
    private static int _next;
    private static readonly string[] Roles = ["na", "nb", "wa1", "wb1", "out"];

    private CaptureLab(string prefix, int octet)
    {
        Prefix = prefix;
        Octet = octet;
    }

    /// <summary>This lab's name prefix: namespaces are <c>&lt;prefix&gt;-na</c> and so on.</summary>
    public string Prefix { get; }

    /// <summary>The second octet of the lab's 10.N.0.0/16.</summary>
    public int Octet { get; }

    public string NodeA => $"{Prefix}-na";
    public string NodeB => $"{Prefix}-nb";
    public string ClientA1 => $"{Prefix}-wa1";
    public string EchoB1 => $"{Prefix}-wb1";
    public string Outside => $"{Prefix}-out";

    public IPAddress Address(int third, int fourth) => IPAddress.Parse($"10.{Octet}.{third}.{fourth}");

    /// <summary>The host's end of the veth to node-a: the control plane listens here.</summary>
    public IPAddress HostAddress => Address(0, 1);
    public IPAddress NodeAAddress => Address(1, 1);
    public IPAddress NodeBAddress => Address(1, 2);
    public IPAddress ClientA1Address => Address(10, 2);
    public IPAddress EchoB1Address => Address(20, 2);
    public IPAddress OutsideAddress => Address(30, 2);

    /// <summary>The echo Service's clusterIP (no interface has it: only capture makes it reachable).</summary>
    public IPAddress ServiceVip => Address(200, 10);

    private string HostVeth => $"{Prefix}h";

    /// <summary>Why the lab cannot run here, or null when it can (root, <c>ip</c> and <c>nft</c> on Linux).</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "transparent capture tests need Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "transparent capture tests need root (ip netns, nftables); CI runs them as root";
        }

        foreach (var tool in new[] { "ip", "nft", "curl" })
        {
            if (!OnPath(tool))
            {
                return $"transparent capture tests need `{tool}` (scripts/test.sh installs iproute2, nftables and curl)";
            }
        }

        return null;
    }

    public static async Task<CaptureLab> CreateAsync()
    {
        await RemoveStaleAsync();
        var prefix = $"{NamePrefix}{Environment.ProcessId}x{Interlocked.Increment(ref _next)}";
        var lab = new CaptureLab(prefix, await FreeOctetAsync());
        try
        {
            await lab.BuildAsync();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        foreach (var role in Roles)
        {
            await RunAsync("ip", "netns", "add", $"{Prefix}-{role}");
            await RunAsync("ip", "-n", $"{Prefix}-{role}", "link", "set", "lo", "up");
        }

        // host <-> node-a; the host reaches the whole lab through node-a.
        await RunAsync("ip", "link", "add", HostVeth, "type", "veth", "peer", "name", "host0", "netns", NodeA);
        await RunAsync("ip", "addr", "add", $"{HostAddress}/24", "dev", HostVeth);
        await RunAsync("ip", "link", "set", HostVeth, "up");
        await RunAsync("ip", "-n", NodeA, "addr", "add", $"{Address(0, 2)}/24", "dev", "host0");
        await RunAsync("ip", "-n", NodeA, "link", "set", "host0", "up");
        await RunAsync("ip", "route", "add", $"10.{Octet}.0.0/16", "via", Address(0, 2).ToString(), "dev", HostVeth);

        // node-a <-> node-b: the node addresses.
        await RunAsync("ip", "-n", NodeA, "link", "add", "nodeb0", "type", "veth", "peer", "name", "nodea0", "netns", NodeB);
        await RunAsync("ip", "-n", NodeA, "addr", "add", $"{NodeAAddress}/24", "dev", "nodeb0");
        await RunAsync("ip", "-n", NodeA, "link", "set", "nodeb0", "up");
        await RunAsync("ip", "-n", NodeB, "addr", "add", $"{NodeBAddress}/24", "dev", "nodea0");
        await RunAsync("ip", "-n", NodeB, "link", "set", "nodea0", "up");

        await LinkAsync(NodeA, ClientA1, 10);
        await LinkAsync(NodeB, EchoB1, 20);
        await LinkAsync(NodeB, Outside, 30);

        await RunAsync("ip", "-n", NodeA, "route", "add", "default", "via", HostAddress.ToString());
        await RunAsync("ip", "-n", NodeA, "route", "add", $"{Address(20, 0)}/24", "via", NodeBAddress.ToString());
        await RunAsync("ip", "-n", NodeA, "route", "add", $"{Address(30, 0)}/24", "via", NodeBAddress.ToString());
        await RunAsync("ip", "-n", NodeB, "route", "add", "default", "via", NodeAAddress.ToString());
        foreach (var node in new[] { NodeA, NodeB })
        {
            // Namespaced sysctl: forwarding for what capture does not take (the host's traffic to node-b, say).
            await RunAsync("ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }
    }

    /// <summary>A workload namespace on a node: a veth pair, 10.N.<paramref name="subnet"/>.1 on the node and .2 in the workload, default route via the node.</summary>
    private async Task LinkAsync(string node, string workload, int subnet)
    {
        var nodeSide = $"wl{subnet}";
        await RunAsync("ip", "-n", node, "link", "add", nodeSide, "type", "veth", "peer", "name", "eth0", "netns", workload);
        await RunAsync("ip", "-n", node, "addr", "add", $"{Address(subnet, 1)}/24", "dev", nodeSide);
        await RunAsync("ip", "-n", node, "link", "set", nodeSide, "up");
        await RunAsync("ip", "-n", workload, "addr", "add", $"{Address(subnet, 2)}/24", "dev", "eth0");
        await RunAsync("ip", "-n", workload, "link", "set", "eth0", "up");
        await RunAsync("ip", "-n", workload, "route", "add", "default", "via", Address(subnet, 1).ToString());
    }

    /// <summary>Starts a process inside a namespace (<c>ip netns exec</c> execs it, so the pid is the process's own).</summary>
    public static TestProcess Start(string netns, string name, string fileName, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        TestProcess.Start(name, "ip", ["netns", "exec", netns, fileName, .. args], env);

    /// <summary>Runs a command inside a namespace to completion: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> ExecAsync(string netns, string fileName, params string[] args)
    {
        await using var process = Start(netns, fileName, fileName, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (code, process.Output);
    }

    /// <summary>curl from inside a namespace (a plain client that knows nothing of the mesh).</summary>
    public static Task<(int ExitCode, string Output)> CurlAsync(string netns, string url) =>
        ExecAsync(netns, "curl", "--silent", "--show-error", "--max-time", "10", url);

    /// <summary>A node proxy's admin stats, read from inside its namespace (the admin API is on the namespace's loopback).</summary>
    public static async Task<JsonObject> StatsAsync(string netns)
    {
        var (code, output) = await ExecAsync(netns, "curl", "--silent", "--fail", "--max-time", "5", "http://127.0.0.1:15000/stats?format=json");
        return code == 0 ? JsonNode.Parse(output)!.AsObject() : throw new IOException($"stats of the proxy in {netns}: curl exit {code}: {output}");
    }

    public static async Task<long> StatAsync(string netns, string name) => (await StatsAsync(netns))[name]?.GetValue<long>() ?? 0;

    /// <summary>The lab's namespaces still present.</summary>
    public async Task<IReadOnlyList<string>> NamespacesAsync() =>
        [.. (await ListNamespacesAsync()).Where(n => n.StartsWith(Prefix + "-", StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace destroys its veth ends (and so their peers, the host's route and the namespace's rules).
        foreach (var role in Roles)
        {
            await TryRunAsync("ip", "netns", "delete", $"{Prefix}-{role}");
        }

        await TryRunAsync("ip", "link", "delete", HostVeth);
    }

    private static async Task RemoveStaleAsync()
    {
        foreach (var name in await ListNamespacesAsync())
        {
            if (!name.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var digits = new string([.. name[NamePrefix.Length..].TakeWhile(char.IsAsciiDigit)]);
            if (int.TryParse(digits, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                await TryRunAsync("ip", "netns", "delete", name);
            }
        }
    }

    private static async Task<IReadOnlyList<string>> ListNamespacesAsync()
    {
        var (_, output) = await TryRunAsync("ip", "netns", "list");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];
    }

    /// <summary>A 10.N/16 that no address or route of the host touches.</summary>
    private static async Task<int> FreeOctetAsync()
    {
        var (_, addresses) = await TryRunAsync("ip", "-o", "addr", "show");
        var (_, routes) = await TryRunAsync("ip", "route", "show");
        var start = 100 + (Environment.ProcessId + Volatile.Read(ref _next)) % 100;
        for (var i = 0; i < 150; i++)
        {
            var octet = 100 + ((start - 100 + i) % 150);
            var needle = $"10.{octet}.";
            if (!addresses.Contains(" " + needle, StringComparison.Ordinal) && !routes.Contains(needle, StringComparison.Ordinal))
            {
                return octet;
            }
        }

        throw new InvalidOperationException("no free 10.N.0.0/16 for the capture lab");
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var (code, output) = await TryRunAsync(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed ({code}): {output}");
        }
    }

    private static async Task<(int Code, string Output)> TryRunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

/// <summary>A fact that needs <see cref="CaptureLab"/>: skipped, with the reason, when not root or <c>ip</c>/<c>nft</c> is missing.</summary>
public sealed class CaptureLabFactAttribute : FactAttribute
{
    public CaptureLabFactAttribute()
    {
        if (CaptureLab.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
