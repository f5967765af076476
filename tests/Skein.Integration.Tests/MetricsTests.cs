using System.Net;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>The node proxy's Prometheus endpoint speaks Istio's metric names and labels, and promtool accepts it.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Tcp_metrics_carry_istio_labels_from_both_reporters_and_pass_promtool()
    {
        await using var mesh = new TestMesh();
        var (node, _, client) = await mesh.StartEchoAndClientAsync(upstreamPort: 9001);

        for (var i = 0; i < 3; i++)
        {
            var (code, output) = await Curl.RunAsync($"http://{client}:9001/m{i}");
            Assert.True(code == 0, output);
        }

        var text = "";
        await TestMesh.EventuallyAsync(async () =>
        {
            text = await mesh.Http.GetStringAsync($"http://{node}:15020/metrics");
            return text.Contains("istio_tcp_connections_closed_total{reporter=\"destination\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(5), "closed connections to be counted");

        var source = text.Split('\n').Single(l => l.StartsWith("istio_tcp_connections_opened_total{reporter=\"source\"", StringComparison.Ordinal));
        Assert.Contains("source_workload=\"client-1\"", source);
        Assert.Contains("source_principal=\"spiffe://cluster.local/ns/default/sa/client\"", source);
        Assert.Contains("destination_workload=\"echo-1\"", source);
        Assert.Contains("destination_service=\"echo.default.svc.cluster.local\"", source);
        Assert.Contains("connection_security_policy=\"mutual_tls\"", source);
        Assert.True(long.Parse(source[(source.LastIndexOf(' ') + 1)..]) >= 3, source);

        var destination = text.Split('\n').Single(l => l.StartsWith("istio_tcp_received_bytes_total{reporter=\"destination\"", StringComparison.Ordinal));
        Assert.Contains("source_workload=\"client-1\"", destination);
        Assert.Contains("destination_principal=\"spiffe://cluster.local/ns/default/sa/echo\"", destination);
        Assert.Contains("destination_service=\"echo.default.svc.cluster.local\"", destination);
        Assert.True(long.Parse(destination[(destination.LastIndexOf(' ') + 1)..]) > 0, destination);

        // The admin API breaks memory down for diagnosis (managed heap versus the rest of the working set).
        var memory = await mesh.GetJsonAsync(TestMesh.AdminUri(node, "memory"));
        Assert.True(memory["workingSetBytes"]!.GetValue<long>() > memory["managedHeapBytes"]!.GetValue<long>());
        Assert.False(memory["serverGc"]!.GetValue<bool>());

        // promtool (Debian's prometheus package, installed by scripts/test.sh) must accept the exposition.
        var file = Path.Combine(mesh.Root, "metrics.txt");
        await File.WriteAllTextAsync(file, text);
        await using var promtool = TestProcess.Start("promtool", "sh", ["-c", $"promtool check metrics < {file}"]);
        var exit = await promtool.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(100);
        Assert.True(exit == 0, $"promtool rejected the metrics:\n{promtool.Output}");
    }
}
