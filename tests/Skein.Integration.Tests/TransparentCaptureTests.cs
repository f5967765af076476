using System.Net;
using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>
/// Transparent capture (DESIGN §6 mode 1) in real network namespaces (<see cref="CaptureLab"/>): node proxies started with
/// <c>--capture nftables</c> in node-a and node-b, the control plane on the host, the echo sample in its own namespace
/// behind node-b, and plain <c>curl</c> in client-a1's namespace and in a namespace outside the mesh. Nothing in the
/// workloads knows about the mesh: their connections are redirected by the proxies' own nftables rules.
/// </summary>
public sealed class TransparentCaptureTests
{
    private const string Client = "spiffe://cluster.local/ns/default/sa/client";
    private const string Echo = "spiffe://cluster.local/ns/default/sa/echo";

    [CaptureLabFact]
    public async Task A_plain_client_reaches_a_service_vip_and_a_pod_ip_on_another_node_over_hbone_mtls_and_deny_policies_apply()
    {
        await using var lab = await CaptureLab.CreateAsync();
        await using var mesh = new TestMesh(lab.HostAddress);
        var (proxyA, proxyB) = await StartAsync(lab, mesh);

        foreach (var (url, what) in new[] { ($"http://{lab.ServiceVip}/through-vip", "the Service VIP"), ($"http://{lab.EchoB1Address}:8080/through-pod-ip", "echo-b1's own address") })
        {
            var (code, output) = await CaptureLab.CurlAsync(lab.ClientA1, url);
            Assert.True(code == 0, $"curl to {what} failed ({code}): {output}\n{mesh.Logs}");
            var reply = JsonNode.Parse(output)!;
            Assert.Equal("echo-b1", reply["pod"]!.GetValue<string>());
            Assert.Equal(new Uri(url).AbsolutePath, reply["path"]!.GetValue<string>());
        }

        // node-a captured both connections from client-a1 and tunnelled them with client-a1's identity over mutual TLS ...
        await WaitForRecordAsync(mesh, proxyA, r => r["direction"]?.GetValue<string>() == "outbound" && r["destination_service"]?.GetValue<string>() == "echo.default.svc.cluster.local"
            && r["source_workload"]?.GetValue<string>() == "client-a1" && r["source_principal"]?.GetValue<string>() == Client
            && r["destination_principal"]?.GetValue<string>() == Echo && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls",
            "node-a's outbound record for the VIP connection (mutual_tls, client-a1's identity)");
        await WaitForRecordAsync(mesh, proxyA, r => r["direction"]?.GetValue<string>() == "outbound" && r["upstream_host"]?.GetValue<string>() == $"{lab.EchoB1Address}:8080"
            && r["destination_service"] is null && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls",
            "node-a's outbound record for the pod-IP connection");
        // ... and node-b terminated them, having verified that identity; the tunnel left node-a from node-a's address, and the
        // client is client-a1 because node-a named it (forwarded) for the identity that owns it.
        await WaitForRecordAsync(mesh, proxyB, r => r["direction"]?.GetValue<string>() == "inbound" && r["source_principal"]?.GetValue<string>() == Client
            && r["source_workload"]?.GetValue<string>() == "client-a1"
            && r["downstream_remote_address"]?.GetValue<string>()?.StartsWith($"{lab.NodeAAddress}:", StringComparison.Ordinal) == true
            && r["destination_workload"]?.GetValue<string>() == "echo-b1" && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls",
            "node-b's inbound record (mutual_tls from client-a1's identity)");
        Assert.True(await CaptureLab.StatAsync(lab.NodeA, "capture.outbound.downstream_cx_total") >= 2);
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.mtls_cx_total") >= 1);
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.workload.default.echo-b1.cx_mtls") >= 2);

        // An L4 DENY for client's identity: the captured connection is refused at node-b and reset at node-a.
        mesh.WriteConfig("deny.yaml", Yaml.AuthorizationPolicy("no-client", "default", "echo", "DENY", "cluster.local/ns/default/sa/client"));
        await TestMesh.EventuallyAsync(async () => (await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/denied")).ExitCode != 0,
            TimeSpan.FromSeconds(15), "the DENY policy to refuse the captured connection");
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.denied_policy") >= 1);
        await WaitForRecordAsync(mesh, proxyB, r => r["direction"]?.GetValue<string>() == "inbound" && r["policy"]?.GetValue<string>() == "default/no-client"
            && r["response_code_details"]?.GetValue<string>() == "rbac_access_denied_matched_policy[default/no-client]",
            "node-b's denial record naming the policy");

        // ipBlocks see client-a1's own address, not node-a's: an ALLOW for node-a's address alone refuses client-a1.
        mesh.WriteConfig("deny.yaml", Yaml.AuthorizationPolicyFrom("only-from-node-a", "default", "echo", "ALLOW", $"ipBlocks: [\"{lab.NodeAAddress}/32\"]"));
        await TestMesh.EventuallyAsync(async () =>
        {
            await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/ip-blocks");
            return Records(proxyB).Any(r => r["response_code_details"]?.GetValue<string>() == "rbac_access_denied_matched_policy[none]");
        }, TimeSpan.FromSeconds(15), "an ALLOW for node-a's address to refuse client-a1 (no ALLOW matched)");
        mesh.WriteConfig("deny.yaml", Yaml.AuthorizationPolicyFrom("only-from-client-a1", "default", "echo", "ALLOW", $"ipBlocks: [\"{lab.ClientA1Address}/32\"]"));
        await TestMesh.EventuallyAsync(async () => (await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/ip-blocks")).ExitCode == 0,
            TimeSpan.FromSeconds(15), "an ALLOW for client-a1's address to let it through");
    }

    [CaptureLabFact]
    public async Task Plaintext_from_outside_the_mesh_is_refused_under_strict_and_relayed_under_permissive_and_disable()
    {
        await using var lab = await CaptureLab.CreateAsync();
        await using var mesh = new TestMesh(lab.HostAddress);
        var (_, proxyB) = await StartAsync(lab, mesh);
        var url = $"http://{lab.EchoB1Address}:8080/from-outside";

        // STRICT by default: the outside client's connection reaches node-b's 15006 and is reset.
        var (strictCode, strictOutput) = await CaptureLab.CurlAsync(lab.Outside, url);
        Assert.True(strictCode != 0, $"plaintext was let through under STRICT: {strictOutput}");
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.denied_plaintext") >= 1);
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "capture.inbound.refused") >= 1);
        await WaitForRecordAsync(mesh, proxyB, r => r["direction"]?.GetValue<string>() == "inbound" && r["connection_security_policy"]?.GetValue<string>() == "plaintext"
            && r["downstream_remote_address"]?.GetValue<string>()?.StartsWith($"{lab.OutsideAddress}:", StringComparison.Ordinal) == true
            && r["response_code_details"]?.GetValue<string>()?.Contains("PeerAuthentication_STRICT", StringComparison.Ordinal) == true
            && r["failed_hop"]?.GetValue<string>() == "destination-proxy/node-b",
            "node-b's refusal record (STRICT)");

        // PERMISSIVE: relayed as plaintext, no identity.
        mesh.WriteConfig("peer-auth.yaml", PeerAuthentication("mode: PERMISSIVE"));
        await ExpectEchoAsync(lab, url, mesh, "PERMISSIVE");
        await WaitForRecordAsync(mesh, proxyB, r => r["direction"]?.GetValue<string>() == "inbound" && r["connection_security_policy"]?.GetValue<string>() == "plaintext"
            && r["response_flags"]?.GetValue<string>() == "-" && r["failed_hop"] is null && r["source_principal"] is null
            && r["downstream_remote_address"]?.GetValue<string>()?.StartsWith($"{lab.OutsideAddress}:", StringComparison.Ordinal) == true
            && r["bytes_sent"]?.GetValue<long>() > 0,
            "node-b's plaintext record (PERMISSIVE)");
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.workload.default.echo-b1.cx_plaintext") >= 1);

        // An L4 policy applies to plaintext too, without an identity: a DENY on the outside client's address refuses it.
        mesh.WriteConfig("deny.yaml", $$"""
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata:
              name: no-outside
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: echo
              action: DENY
              rules:
              - from:
                - source:
                    ipBlocks: ["{{lab.OutsideAddress}}/32"]
            """);
        await TestMesh.EventuallyAsync(async () => (await CaptureLab.CurlAsync(lab.Outside, url)).ExitCode != 0, TimeSpan.FromSeconds(15), "the ipBlocks DENY to refuse plaintext");
        await WaitForRecordAsync(mesh, proxyB, r => r["policy"]?.GetValue<string>() == "default/no-outside" && r["connection_security_policy"]?.GetValue<string>() == "plaintext",
            "node-b's plaintext denial naming the policy");
        File.Delete(Path.Combine(mesh.ConfigDir, "deny.yaml"));

        // STRICT for the workload, DISABLE for port 8080 (per port, as the HBONE inbound evaluates it): relayed.
        mesh.WriteConfig("peer-auth.yaml", PeerAuthentication("""
            mode: STRICT
              portLevelMtls:
                "8080":
                  mode: DISABLE
            """));
        await ExpectEchoAsync(lab, url, mesh, "DISABLE on port 8080");
    }

    [CaptureLabFact]
    public async Task Stopping_a_proxy_removes_its_rules_and_the_lab_leaves_nothing_behind()
    {
        var lab = await CaptureLab.CreateAsync();
        try
        {
            await using (var mesh = new TestMesh(lab.HostAddress))
            {
                var (proxyA, proxyB) = await StartAsync(lab, mesh);
                var (_, listed) = await CaptureLab.ExecAsync(lab.NodeA, "nft", "list", "table", "inet", "skein");
                Assert.Contains(lab.ClientA1Address.ToString(), listed);
                Assert.Contains($"dnat ip to {lab.NodeAAddress}:15001", listed);

                var (_, dump) = await CaptureLab.ExecAsync(lab.NodeA, "curl", "--silent", "--max-time", "5", "http://127.0.0.1:15000/config_dump");
                Assert.Contains($"{lab.NodeAAddress}:15001 (outbound capture)", dump);
                Assert.Contains($"{lab.NodeAAddress}:15006 (inbound plaintext)", dump);

                // A connection made to 15001 directly (not redirected) has no original destination: closed and counted.
                var (direct, _) = await CaptureLab.ExecAsync(lab.NodeA, "curl", "--silent", "--max-time", "5", $"http://{lab.NodeAAddress}:15001/");
                Assert.NotEqual(0, direct);
                Assert.True(await CaptureLab.StatAsync(lab.NodeA, "capture.outbound.no_original_destination") >= 1);

                proxyA.Signal(15); // SIGTERM: drain, then remove the table
                Assert.Equal(0, await proxyA.WaitForExitAsync(TimeSpan.FromSeconds(40)));
                Assert.Contains("capture rules removed", proxyA.Output);
                var (_, tables) = await CaptureLab.ExecAsync(lab.NodeA, "nft", "list", "tables");
                Assert.DoesNotContain("skein", tables);

                // Uncaptured at node-a now: client-a1's connection travels as plain TCP and meets node-b's rules, which take it for
                // plaintext from outside the mesh (refused under STRICT, from client-a1's own address).
                Assert.NotEqual(0, (await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.EchoB1Address}:8080/")).ExitCode);
                await WaitForRecordAsync(mesh, proxyB, r => r["connection_security_policy"]?.GetValue<string>() == "plaintext"
                    && r["downstream_remote_address"]?.GetValue<string>()?.StartsWith($"{lab.ClientA1Address}:", StringComparison.Ordinal) == true,
                    "node-b's refusal of client-a1's uncaptured plaintext");
            }
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.Empty(await lab.NamespacesAsync());
    }

    [CaptureLabFact]
    public async Task The_native_node_proxy_captures_and_tunnels_the_same_way()
    {
        // SO_ORIGINAL_DST goes through Socket.GetRawSocketOption, and nft through Process: both must survive NativeAOT.
        var native = await NativeProxyBuild.PathAsync();
        await using var lab = await CaptureLab.CreateAsync();
        await using var mesh = new TestMesh(lab.HostAddress);
        var (proxyA, proxyB) = await StartAsync(lab, mesh, native);

        var (code, output) = await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/native");
        Assert.True(code == 0, $"curl through the native proxies failed ({code}): {output}\n{mesh.Logs}");
        Assert.Equal("echo-b1", JsonNode.Parse(output)!["pod"]!.GetValue<string>());
        await WaitForRecordAsync(mesh, proxyA, r => r["direction"]?.GetValue<string>() == "outbound" && r["source_principal"]?.GetValue<string>() == Client
            && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls", "the native node-a's outbound mutual_tls record");
        await WaitForRecordAsync(mesh, proxyB, r => r["direction"]?.GetValue<string>() == "inbound" && r["source_workload"]?.GetValue<string>() == "client-a1"
            && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls", "the native node-b's inbound mutual_tls record");
        Assert.NotEqual(0, (await CaptureLab.CurlAsync(lab.Outside, $"http://{lab.EchoB1Address}:8080/")).ExitCode);
        Assert.True(await CaptureLab.StatAsync(lab.NodeB, "inbound.denied_plaintext") >= 1);
    }

    [CaptureLabFact]
    public async Task An_upgraded_proxy_takes_over_the_capture_listeners_and_keeps_the_rules()
    {
        await using var lab = await CaptureLab.CreateAsync();
        await using var mesh = new TestMesh(lab.HostAddress);
        var handover = Path.Combine(mesh.Root, "node-a.sock");
        var (oldA, _) = await StartAsync(lab, mesh, handover: handover);
        Assert.Equal(0, (await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/before")).ExitCode);

        // The same command again: the successor takes the listening sockets (15001/15006/15008 too) and keeps the table
        // (an empty workload set applied before its config arrives would let client-a1's traffic out uncaptured).
        var newA = await StartProxyAsync(mesh, "node-a", lab.NodeA, lab.NodeAAddress, null, handover, waitForRules: false);
        await newA.WaitForOutputAsync("took over from pid", TimeSpan.FromSeconds(60));
        Assert.Contains("keeping the existing table inet skein", newA.Output);
        Assert.Equal(0, await oldA.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        Assert.Contains("capture rules left to the successor", oldA.Output);

        var (_, listed) = await CaptureLab.ExecAsync(lab.NodeA, "nft", "list", "table", "inet", "skein");
        Assert.Contains(lab.ClientA1Address.ToString(), listed);
        var (code, output) = await CaptureLab.CurlAsync(lab.ClientA1, $"http://{lab.ServiceVip}/after");
        Assert.True(code == 0, $"curl after the upgrade failed ({code}): {output}\n{mesh.Logs}");
        await WaitForRecordAsync(mesh, newA, r => r["direction"]?.GetValue<string>() == "outbound" && r["source_workload"]?.GetValue<string>() == "client-a1"
            && r["connection_security_policy"]?.GetValue<string>() == "mutual_tls", "the successor's outbound record");
    }

    [Fact]
    public async Task Skein_capture_rules_prints_the_nft_script_for_a_nodes_workloads()
    {
        var dir = Directory.CreateTempSubdirectory("skein-capture-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "mesh.yaml"),
                Yaml.Workload("a1", "default", "node-a", IPAddress.Parse("10.9.10.2"), "a") +
                Yaml.Workload("a2", "default", "node-a", IPAddress.Parse("10.9.10.3"), "a") +
                Yaml.Workload("b1", "default", "node-b", IPAddress.Parse("10.9.20.2"), "b"));
            await using var cli = TestProcess.Skein("capture", ["capture", "rules", "--address", "10.9.1.1", "--node", "node-a", "--config", dir]);
            Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("table inet skein {", cli.Output);
            Assert.Contains("elements = { 10.9.10.2, 10.9.10.3 }", cli.Output);
            Assert.DoesNotContain("10.9.20.2", cli.Output);
            Assert.Contains("ip saddr @workloads_v4 meta l4proto tcp dnat ip to 10.9.1.1:15001", cli.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_proxy_asked_to_capture_without_nft_or_on_loopback_stops_with_a_clear_error()
    {
        var empty = Directory.CreateTempSubdirectory("skein-nopath-").FullName;
        try
        {
            var root = Path.Combine(empty, "root.pem");
            File.WriteAllText(root, "");
            var env = new Dictionary<string, string> { ["PATH"] = empty, ["SKEIN_ROOT_CERT"] = root, ["SKEIN_TOKEN"] = "t" };
            await using var proxy = TestProcess.Skein("proxy", ["proxy", "--node", "n", "--address", "192.0.2.10", "--control", "127.0.0.1:15012", "--capture", "nftables", "--handover-socket", "off"], env);
            Assert.Equal(2, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("error: --capture nftables: nft was not found on PATH: install nftables", proxy.Output);

            // Redirected connections cannot be DNATed to a loopback address: the default --address is refused.
            await using var loopback = TestProcess.Skein("proxy", ["proxy", "--node", "n", "--control", "127.0.0.1:15012", "--capture", "external", "--handover-socket", "off"], env);
            Assert.Equal(2, await loopback.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("error: --capture needs --address to be the node's own non-loopback address", loopback.Output);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    private static string PeerAuthentication(string mtls) => $"""
        apiVersion: skein.dev/v1alpha1
        kind: PeerAuthentication
        metadata:
          name: echo-mtls
          namespace: default
        spec:
          selector:
            matchLabels:
              app: echo
          mtls:
            {mtls}
        """;

    private static async Task ExpectEchoAsync(CaptureLab lab, string url, TestMesh mesh, string what)
    {
        string last = "";
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                var (code, output) = await CaptureLab.CurlAsync(lab.Outside, url);
                last = output;
                return code == 0 && output.Contains("\"pod\": \"echo-b1\"", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(15), $"plaintext from outside to be relayed under {what}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last curl: {last}\n{mesh.Logs}", e);
        }
    }

    /// <summary>The mesh of every test: Service echo (VIP, 80 → 8080) on echo-b1 (node-b), client-a1 on node-a, both proxies capturing.</summary>
    /// <param name="native">The ahead-of-time <c>skein-proxy</c> to run as both node proxies instead of <c>skein proxy</c>.</param>
    /// <param name="handover">node-a's hand-over socket (none: off).</param>
    private static async Task<(TestProcess ProxyA, TestProcess ProxyB)> StartAsync(CaptureLab lab, TestMesh mesh, string? native = null, string? handover = null)
    {
        mesh.WriteConfig("mesh.yaml", $"""
            apiVersion: v1
            kind: Service
            metadata:
              name: echo
              namespace: default
            spec:
              clusterIP: {lab.ServiceVip}
              selector:
                app: echo
              ports:
              - name: http
                port: 80
                targetPort: 8080
            ---

            """ +
            Yaml.Workload("echo-b1", "default", "node-b", lab.EchoB1Address, "echo", "echo") +
            Yaml.Workload("client-a1", "default", "node-a", lab.ClientA1Address, "client", "client"));
        mesh.Track(CaptureLab.Start(lab.EchoB1, "echo-b1", TestProcess.DotnetHost,
            [Path.Combine(AppContext.BaseDirectory, "Skein.Samples.Echo.dll"), "--listen", $"{lab.EchoB1Address}:8080"],
            new Dictionary<string, string> { ["POD_NAME"] = "echo-b1", ["NAMESPACE"] = "default" }));
        await TestMesh.EventuallyAsync(async () => (await CaptureLab.ExecAsync(lab.EchoB1, "curl", "--silent", "--fail", $"http://{lab.EchoB1Address}:8080/healthz")).ExitCode == 0,
            TimeSpan.FromSeconds(30), "echo-b1 to answer in its namespace");
        await mesh.StartControlAsync();
        var proxyA = await StartProxyAsync(mesh, "node-a", lab.NodeA, lab.NodeAAddress, native, handover);
        var proxyB = await StartProxyAsync(mesh, "node-b", lab.NodeB, lab.NodeBAddress, native);
        return (proxyA, proxyB);
    }

    private static async Task<TestProcess> StartProxyAsync(TestMesh mesh, string node, string netns, IPAddress address, string? native, string? handover = null, bool waitForRules = true)
    {
        string[] args = ["--role", "node", "--node", node, "--address", address.ToString(), "--control", $"{mesh.ControlAddress}:15012",
            "--capture", "nftables", "--access-log-format", "json", "--handover-socket", handover ?? "off"];
        var env = new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = mesh.RootCertPath, ["SKEIN_TOKEN"] = mesh.TokenFor(node) };
        var proxy = mesh.Track(native is null
            ? CaptureLab.Start(netns, $"proxy-{node}", TestProcess.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "skein.dll"), "proxy", .. args], env)
            : CaptureLab.Start(netns, $"proxy-{node}", native, args, env));
        if (waitForRules)
        {
            // The rules hold the node's workload once the proxy has its config.
            await proxy.WaitForOutputAsync("capture rules: 1 workload addresses", TimeSpan.FromSeconds(30));
        }

        return proxy;
    }

    /// <summary>Waits for a JSON access log record of <paramref name="proxy"/> that satisfies <paramref name="matches"/>.</summary>
    private static async Task WaitForRecordAsync(TestMesh mesh, TestProcess proxy, Func<JsonObject, bool> matches, string what)
    {
        try
        {
            await TestMesh.EventuallyAsync(() => Task.FromResult(Records(proxy).Any(matches)), TimeSpan.FromSeconds(10), what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{mesh.Logs}", e);
        }
    }

    private static IEnumerable<JsonObject> Records(TestProcess proxy)
    {
        foreach (var line in proxy.Output.Split('\n'))
        {
            if (line.StartsWith("{\"start_time\"", StringComparison.Ordinal) && JsonNode.Parse(line) is JsonObject record)
            {
                yield return record;
            }
        }
    }
}
