using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary><c>skein demo</c> end to end: the check passes, and stopping it leaves no process behind.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_check_verifies_traffic_through_the_proxies_and_exits_0()
    {
        await using var demo = TestProcess.Skein("demo", ["demo", "--check"]);
        var code = await demo.WaitForExitAsync(TimeSpan.FromSeconds(120));
        await Task.Delay(100);
        Assert.True(code == 0, $"skein demo --check exited {code}:\n{demo.Output}");
        Assert.Contains("demo check passed", demo.Output);
        Assert.Contains("PASS  node-a proxied traffic to payments", demo.Output);
        Assert.Contains("PASS  the control plane's topology shows frontend-v1 -> catalog", demo.Output);
        Assert.Contains("PASS  requests through the ingress gateway succeed", demo.Output);
        Assert.Contains("PASS  the topology shows bookstore-gateway -> frontend as HTTP", demo.Output);
        Assert.Empty(OrphanScan.ChildrenOf(demo.Pid));
    }

    [Theory]
    [InlineData(2, "SIGINT (Ctrl-C)")]
    [InlineData(9, "SIGKILL")]
    public async Task Stopping_the_demo_leaves_no_process_behind(int signal, string how)
    {
        await using var demo = TestProcess.Skein("demo", ["demo"]);
        await demo.WaitForOutputAsync("Press Ctrl-C", TimeSpan.FromSeconds(60));
        Assert.NotEmpty(OrphanScan.ChildrenOf(demo.Pid));

        demo.Signal(signal);
        await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // Graceful stop waits for its children; after SIGKILL they notice their parent is gone within seconds.
        await TestMesh.EventuallyAsync(() => Task.FromResult(OrphanScan.ChildrenOf(demo.Pid).Count == 0), TimeSpan.FromSeconds(15),
            $"every demo process to exit after {how}; left: {string.Join(", ", OrphanScan.ChildrenOf(demo.Pid))}");
    }

    [Fact]
    public async Task Demo_traffic_builds_the_topology_and_an_injected_denial_turns_the_edge_red_and_is_explained()
    {
        var root = Directory.CreateTempSubdirectory("skein-demo-telemetry-").FullName;
        try
        {
            await using var demo = TestProcess.Skein("demo", ["demo", "--dir", root]);
            await demo.WaitForOutputAsync("Press Ctrl-C", TimeSpan.FromSeconds(60));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            const string api = "http://127.0.0.1:20001";

            // Traffic streams over ALS into the topology: the frontend → catalog edge has a rate and a p99.
            JsonObject? edge = null;
            await TestMesh.EventuallyAsync(async () =>
            {
                edge = FindEdge(await GetJsonAsync(http, $"{api}/api/v1/topology?window=1m"), "workload:bookstore/frontend-v1", "service:bookstore/catalog");
                return edge?["rps"]?.GetValue<double>() > 0 && edge["p99Ms"] is not null;
            }, TimeSpan.FromSeconds(30), "the frontend -> catalog edge to show traffic");
            Assert.Equal("mutual_tls", edge!["mtls"]!.GetValue<string>());
            Assert.Equal(0, edge["errorRatio"]!.GetValue<double>());
            var topology = await GetJsonAsync(http, $"{api}/api/v1/topology?window=1m");
            var frontend = topology["nodes"]!.AsArray().Single(n => n!["id"]!.GetValue<string>() == "workload:bookstore/frontend-v1")!;
            Assert.Equal(("frontend", "v1", "node-a"), (frontend["app"]!.GetValue<string>(), frontend["version"]!.GetValue<string>(), frontend["node"]!.GetValue<string>()));

            var service = await GetJsonAsync(http, $"{api}/api/v1/services/bookstore/catalog?window=1m");
            Assert.Equal(2, service["endpoints"]!.AsArray().Count);
            Assert.Contains(service["series"]!.AsArray(), p => p!["rps"]!.GetValue<double>() > 0);
            var certificates = await GetJsonAsync(http, $"{api}/api/v1/certificates");
            Assert.Contains(certificates["items"]!.AsArray(), c => c!["identity"]!.GetValue<string>() == "spiffe://cluster.local/ns/bookstore/sa/frontend");

            await using (var top = TestProcess.Skein("top", ["top", "--once", "--window", "1m"]))
            {
                Assert.Equal(0, await top.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                await Task.Delay(100);
                Assert.Contains("svc bookstore/catalog", top.Output);
                Assert.Contains("bookstore/frontend-v1", top.Output);
            }

            // The documented failure injection: copy the DENY policy into the watched config directory.
            File.Copy(Path.Combine(root, "inject", "deny-payments.yaml"), Path.Combine(root, "config", "deny-payments.yaml"));
            await TestMesh.EventuallyAsync(async () =>
            {
                edge = FindEdge(await GetJsonAsync(http, $"{api}/api/v1/topology?window=1m"), "workload:bookstore/frontend-v1", "service:bookstore/payments");
                return edge?["errorRatio"]?.GetValue<double>() > 0;
            }, TimeSpan.FromSeconds(30), "the frontend -> payments edge to show errors");
            Assert.Contains("deny-frontend-to-payments", edge!["lastError"]!["reason"]!.GetValue<string>());

            await using var explain = TestProcess.Skein("explain", ["explain", "--from", "frontend-v1", "--to", "payments"]);
            Assert.Equal(0, await explain.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            await Task.Delay(100);
            Assert.Contains("AuthorizationPolicy bookstore/deny-frontend-to-payments (action DENY) matched and denied it", explain.Output);
            Assert.Contains("failed hop: destination-proxy/node-b", explain.Output);

            // The control plane's own metrics: ALS intake, push latency after the config change, promtool-clean.
            var metrics = await http.GetStringAsync("http://127.0.0.1:15014/metrics");
            Assert.Contains("skein_xds_connected_proxies_by_role{role=\"node\"} 2", metrics);
            Assert.True(Sample(metrics, "skein_access_log_entries_total{kind=\"tcp\"}") > 0, metrics);
            Assert.True(Sample(metrics, "skein_xds_push_latency_seconds_count") > 0, metrics);
            Assert.True(Sample(metrics, "skein_ca_certificates_active") >= 7, metrics);
            Assert.True(Sample(metrics, "skein_topology_edges") >= 5, metrics);
            var file = Path.Combine(root, "control-metrics.txt");
            await File.WriteAllTextAsync(file, metrics);
            await using (var promtool = TestProcess.Start("promtool", "sh", ["-c", $"promtool check metrics < {file}"]))
            {
                var exit = await promtool.WaitForExitAsync(TimeSpan.FromSeconds(20));
                await Task.Delay(100);
                Assert.True(exit == 0, $"promtool rejected the control plane metrics:\n{promtool.Output}");
            }

            demo.Signal(2);
            await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static double Sample(string metrics, string series) =>
        double.Parse(metrics.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonObject> GetJsonAsync(HttpClient http, string url) =>
        JsonNode.Parse(await http.GetStringAsync(url))!.AsObject();

    private static JsonObject? FindEdge(JsonObject topology, string source, string target) =>
        topology["edges"]!.AsArray().OfType<JsonObject>().FirstOrDefault(e =>
            e["source"]!.GetValue<string>() == source && e["target"]!.GetValue<string>() == target && e["protocol"]!.GetValue<string>() == "tcp");
}
