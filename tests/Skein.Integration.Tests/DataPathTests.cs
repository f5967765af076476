using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>Traffic through a node proxy: SOCKS5, HTTP CONNECT, localhost upstreams, control plane loss, NACKs.</summary>
public sealed class DataPathTests
{
    /// <summary>An echo service and a client workload on one node; the client's own :15080 is where it speaks SOCKS as itself.</summary>
    private static async Task<(TestMesh Mesh, IPAddress Node, IPAddress Client)> StartEchoMeshAsync()
    {
        var mesh = new TestMesh();
        var (node, _, client) = await mesh.StartEchoAndClientAsync();
        return (mesh, node, client);
    }

    [Fact]
    public async Task Curl_through_socks5_resolves_mesh_names_in_every_form()
    {
        var (mesh, node, client) = await StartEchoMeshAsync();
        await using var _ = mesh;
        foreach (var host in new[] { "echo", "echo.default", "echo.default.svc", "echo.default.svc.cluster.local" })
        {
            var (code, output) = await Curl.RunAsync("--socks5-hostname", $"{client}:15080", $"http://{host}/hello?x=1");
            Assert.True(code == 0, $"curl via {host} exited {code}: {output}\n{mesh.Logs}");
            var reply = JsonNode.Parse(output)!;
            Assert.Equal("/hello?x=1", reply["path"]!.GetValue<string>());
            Assert.Equal("echo-1", reply["pod"]!.GetValue<string>());
        }

        Assert.True(await mesh.StatAsync(node, "listener.socks5.downstream_cx_total") >= 4);
        Assert.True(await mesh.StatAsync(node, "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_mtls") >= 4);
        Assert.True(await mesh.StatAsync(node, "inbound.workload.default.echo-1.cx_mtls") >= 4);

        // Each connection leaves an access log line on both sides, with identities and the security used.
        await TestMesh.EventuallyAsync(() => Task.FromResult(
                mesh.Logs.Contains("outbound node-1 client-1.default spiffe://cluster.local/ns/default/sa/client -> echo-1.default spiffe://cluster.local/ns/default/sa/echo echo.default.svc.cluster.local mutual_tls") &&
                mesh.Logs.Contains("inbound node-1 client-1.default spiffe://cluster.local/ns/default/sa/client -> echo-1.default spiffe://cluster.local/ns/default/sa/echo echo.default.svc.cluster.local mutual_tls")),
            TimeSpan.FromSeconds(5), "outbound and inbound access log lines");
        Assert.True(await mesh.StatAsync(node, "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_total") >= 4);
    }

    [Fact]
    public async Task Socks5_with_an_ipv4_service_vip_and_http_connect_both_reach_the_service()
    {
        var (mesh, node, client) = await StartEchoMeshAsync();
        await using var _ = mesh;
        var dump = await mesh.ConfigDumpAsync(node);
        var vip = dump["services"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "echo")!["addresses"]![0]!.GetValue<string>();

        var (code, output) = await Curl.RunAsync("--socks5", $"{client}:15080", $"http://{vip}/by-vip");
        Assert.True(code == 0, $"curl via VIP {vip} exited {code}: {output}");
        Assert.Equal("/by-vip", JsonNode.Parse(output)!["path"]!.GetValue<string>());

        (code, output) = await Curl.RunAsync("--proxytunnel", "--proxy", $"http://{client}:15080", "http://echo.default.svc.cluster.local/by-connect");
        Assert.True(code == 0, $"curl via HTTP CONNECT exited {code}: {output}");
        Assert.Equal("/by-connect", JsonNode.Parse(output)!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Socks5_with_an_ipv6_destination_passes_through_to_an_unmeshed_server()
    {
        var (mesh, node, client) = await StartEchoMeshAsync();
        await using var _ = mesh;
        using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Dispose();
        await mesh.StartEchoAsync("outside", new IPEndPoint(IPAddress.IPv6Loopback, port));

        var (code, output) = await Curl.RunAsync("--socks5", $"{client}:15080", $"http://[::1]:{port}/v6");
        Assert.True(code == 0, $"curl via SOCKS5 to [::1]:{port} exited {code}: {output}");
        Assert.Equal("outside", JsonNode.Parse(output)!["pod"]!.GetValue<string>());
        Assert.True(await mesh.StatAsync(node, "cluster.PassthroughCluster.upstream_cx_total") >= 1);
    }

    [Fact]
    public async Task Unknown_destinations_and_unexposed_ports_are_refused_with_a_reason()
    {
        var (mesh, node, client) = await StartEchoMeshAsync();
        await using var _ = mesh;

        var (code, _) = await Curl.RunAsync("--socks5-hostname", $"{client}:15080", "http://nosuchservice.nowhere.invalid/");
        Assert.NotEqual(0, code);

        (code, var output) = await Curl.RunAsync("--proxytunnel", "--proxy", $"http://{client}:15080", "--verbose", "http://echo.default:81/");
        Assert.NotEqual(0, code);
        Assert.Contains("503", output);

        // A plain (non-CONNECT) request gets an explanation, not a hang.
        (code, output) = await Curl.RunAsync("--include", "--proxy", $"http://{client}:15080", "http://echo.default/");
        Assert.Contains("405", output);
        Assert.Contains("CONNECT", output);
        Assert.True(await mesh.StatAsync(node, "outbound.unknownhost") >= 1);

        // The refusals explain themselves in the access log: Envoy's flag, the reason, and the hop that failed.
        await TestMesh.EventuallyAsync(() => Task.FromResult(
                mesh.Logs.Contains("\"- - -\" 0 NR nosuchservice.nowhere.invalid_is_neither_a_mesh_service_nor_a_resolvable_host") &&
                mesh.Logs.Contains("failed_hop=source-proxy/node-1") &&
                mesh.Logs.Contains("0 NR service_echo.default_has_no_port_81")),
            TimeSpan.FromSeconds(5), "access log lines for the refusals");
    }

    [Fact]
    public async Task Traffic_keeps_flowing_when_the_control_plane_is_killed_and_the_proxy_resumes_on_restart()
    {
        var (mesh, node, client) = await StartEchoMeshAsync();
        await using var _ = mesh;
        using var http = TestMesh.SocksClient(client);
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("http://echo.default/before")).StatusCode);
        }
        catch (HttpRequestException e)
        {
            Assert.Fail($"the first request failed: {e.Message}\n{mesh.Logs}");
        }

        mesh.Control!.KillHard();
        await mesh.Control.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await TestMesh.EventuallyAsync(async () => !(await mesh.ConfigDumpAsync(node))["controlPlane"]!["connected"]!.GetValue<bool>(),
            TimeSpan.FromSeconds(10), "the proxy to notice the control plane is gone");

        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync($"http://echo.default/during/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(50);
        }

        // Restarted with the same config, the control plane has nothing new for the proxy: the resumed
        // stream (initial_resource_versions) must not resend what the proxy already holds.
        await mesh.StartControlAsync();
        JsonObject? proxy = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            var list = (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/proxies")))["proxies"]!.AsArray();
            proxy = list.FirstOrDefault(p => p!["node"]!.GetValue<string>() == "node-1")?.AsObject();
            return proxy is not null && proxy["pushes"]!.GetValue<long>() >= 2;
        }, TimeSpan.FromSeconds(15), "the proxy to reconnect");
        Assert.Equal(0, proxy!["resourcesSent"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("http://echo.default/after")).StatusCode);
    }

    [Fact]
    public async Task A_caller_with_no_identity_is_refused_by_a_strict_destination_and_tunnels_in_plaintext_to_a_permissive_one()
    {
        var (mesh, node, _) = await StartEchoMeshAsync();
        await using var _ = mesh;

        // The node's own SOCKS port, from an address that is no workload: there is no identity to present.
        var (code, output) = await Curl.RunAsync("--proxytunnel", "--proxy", $"http://{node}:15080", "--include", "http://echo.default/");
        Assert.NotEqual(0, code);
        Assert.Contains("requires mTLS (PeerAuthentication STRICT)", output);

        mesh.WriteConfig("permissive.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata:
              name: echo-permissive
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: echo
              mtls:
                mode: PERMISSIVE
            """);
        await TestMesh.EventuallyAsync(async () => (await Curl.RunAsync("--socks5-hostname", $"{node}:15080", "http://echo.default/plain")).ExitCode == 0,
            TimeSpan.FromSeconds(10), "plaintext HBONE to the permissive workload");
        Assert.True(await mesh.StatAsync(node, "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_plaintext") >= 1);
        Assert.True(await mesh.StatAsync(node, "inbound.workload.default.echo-1.cx_plaintext") >= 1);
    }

    [Fact]
    public async Task A_proxy_nacks_an_upstream_it_cannot_bind_and_keeps_serving_the_last_good_one()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        var echo = mesh.Block.Host(10);
        var client = mesh.Block.Host(11);
        string Config(int localPort) =>
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", echo, "echo") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", ("echo", 80, localPort));
        mesh.WriteConfig("mesh.yaml", Config(9001));
        await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", node);

        var (code, output) = await Curl.RunAsync($"http://{client}:9001/via-upstream");
        Assert.True(code == 0, $"upstream listener failed: {output}\n{mesh.Logs}");
        Assert.Equal("/via-upstream", JsonNode.Parse(output)!["path"]!.GetValue<string>());

        // Something else already owns the port the new config asks for.
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(client, 9002));
        squatter.Listen();
        mesh.WriteConfig("mesh.yaml", Config(9002));

        JsonObject? proxy = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            var list = (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/proxies")))["proxies"]!.AsArray();
            proxy = list.FirstOrDefault(p => p!["node"]!.GetValue<string>() == "node-1")?.AsObject();
            return proxy?["nacks"]!.GetValue<long>() >= 1;
        }, TimeSpan.FromSeconds(10), "the control plane to record a NACK");
        Assert.Contains($"{client}:9002", proxy!["lastNack"]!.GetValue<string>());

        var dump = await mesh.ConfigDumpAsync(node);
        Assert.Contains("9002", dump["controlPlane"]!["lastRejection"]!.GetValue<string>());
        Assert.Contains(dump["upstreams"]!.AsArray(), u => u!["listen"]!.GetValue<string>() == $"{client}:9001");

        (code, output) = await Curl.RunAsync($"http://{client}:9001/still-serving");
        Assert.True(code == 0, $"the last good upstream stopped serving: {output}");
        Assert.Equal("/still-serving", JsonNode.Parse(output)!["path"]!.GetValue<string>());
    }
}
