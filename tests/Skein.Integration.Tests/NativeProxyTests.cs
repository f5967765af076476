using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>The ahead-of-time node proxy (<c>skein-proxy</c>) runs the same data path and admin API as <c>skein proxy --role node</c>.</summary>
public sealed class NativeProxyTests
{
    [Fact]
    public async Task The_native_node_proxy_tunnels_over_mutual_tls_and_serves_its_admin_api()
    {
        var executable = await NativeProxyBuild.PathAsync();
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        var echo = mesh.Block.Host(10);
        var client = mesh.Block.Host(11);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", echo, "echo", "echo") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", "client", ("echo", 80, 9001)));
        await mesh.StartEchoAsync("echo-1", new System.Net.IPEndPoint(echo, 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", node, nativeExecutable: executable);
        await mesh.WaitListeningAsync(new System.Net.IPEndPoint(client, 9001));

        const string Mtls = "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_mtls";
        // The readiness probe above was a connection too: count from here.
        await TestMesh.EventuallyAsync(async () => (await mesh.GetJsonAsync(TestMesh.AdminUri(node, "stats?format=json")))[Mtls] is not null, TimeSpan.FromSeconds(5), "the probe's connection in the stats");
        var before = (await mesh.GetJsonAsync(TestMesh.AdminUri(node, "stats?format=json")))[Mtls]!.GetValue<long>();

        // Several requests, so connections are opened and closed while pooled HBONE streams are reused.
        for (var i = 0; i < 5; i++)
        {
            var (code, output) = await Curl.RunAsync("-sS", "--max-time", "5", $"http://{client}:9001/hello-{i}");
            Assert.True(code == 0, output);
            Assert.Contains($"\"path\":\"/hello-{i}\"", output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains("\"pod\":\"echo-1\"", output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        await TestMesh.EventuallyAsync(() => Task.FromResult(mesh.Logs.Contains("client-1.default spiffe://cluster.local/ns/default/sa/client -> echo-1.default", StringComparison.Ordinal)
            && mesh.Logs.Contains("mutual_tls", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "an access log line for the tunnelled connection");

        // A relay ends (and leaves the active count) only after curl has exited and its close went through the tunnel.
        const string Active = "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_active";
        await TestMesh.EventuallyAsync(async () => (await mesh.GetJsonAsync(TestMesh.AdminUri(node, "stats?format=json")))[Active]!.GetValue<long>() == 0,
            TimeSpan.FromSeconds(10), "every relayed connection to have ended");
        var stats = await mesh.GetJsonAsync(TestMesh.AdminUri(node, "stats?format=json"));
        Assert.Equal(before + 5, stats[Mtls]!.GetValue<long>());
        Assert.Equal(0, stats[Active]!.GetValue<long>());
        Assert.True(stats["inbound.mtls_cx_total"]!.GetValue<long>() >= 1);

        var dump = await mesh.ConfigDumpAsync(node);
        Assert.Equal("node-1", dump["node"]!.GetValue<string>());
        Assert.True(dump["controlPlane"]!["connected"]!.GetValue<bool>());
        Assert.Contains(dump["workloads"]!.AsArray(), w => w!["name"]!.GetValue<string>() == "echo-1" && w["services"]!.AsObject().Count == 1);
        Assert.Contains(dump["certificates"]!.AsArray(), c => c!["identity"]!.GetValue<string>() == "spiffe://cluster.local/ns/default/sa/client");
        Assert.Null(dump["l7"]);

        var memory = await mesh.GetJsonAsync(TestMesh.AdminUri(node, "memory"));
        Assert.False(memory["serverGc"]!.GetValue<bool>());
        Assert.True(memory["workingSetBytes"]!.GetValue<long>() > 0);

        var metrics = await mesh.Http.GetStringAsync(new Uri($"http://{node}:15020/metrics"));
        Assert.Contains("istio_tcp_connections_opened_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_native_node_proxy_carries_no_kestrel_or_asp_net_core_routing()
    {
        // The admin API has its own server (Admin/AdminServer): Kestrel and routing were 4 MB of this binary (issue #3).
        // Their namespaces would be in the binary's metadata even with symbols stripped.
        var binary = await File.ReadAllBytesAsync(await NativeProxyBuild.PathAsync());
        foreach (var name in new[] { "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing" })
        {
            Assert.True(binary.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(name)) < 0, $"{name} is in the skein-proxy binary");
        }
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("waypoint")]
    public async Task The_native_build_refuses_the_l7_roles_and_names_the_command_that_runs_them(string role)
    {
        var executable = await NativeProxyBuild.PathAsync();
        await using var proxy = TestProcess.Start($"native-{role}", executable, ["--role", role, "--node", "n", "--control", "127.0.0.1:15012"]);
        await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(0, proxy.ExitCode);
        Assert.Contains($"skein proxy --role {role}", proxy.Output, StringComparison.Ordinal);
    }
}
