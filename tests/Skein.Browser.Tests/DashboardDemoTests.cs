using System.Globalization;
using Microsoft.Playwright;
using Skein.Browser.Tests.Infrastructure;

namespace Skein.Browser.Tests;

/// <summary>The dashboard against a running <c>skein demo</c>, in headless Chromium: live graph, service detail, tabs, an injected failure.</summary>
public sealed class DashboardDemoTests(ChromiumBrowser chromium, RunningDemo demo) : IClassFixture<ChromiumBrowser>, IClassFixture<RunningDemo>
{
    private static readonly string[] DemoServices = ["frontend", "catalog", "reviews", "payments", "inventory"];

    [Fact]
    public async Task The_demo_prints_the_dashboard_url()
    {
        Assert.Contains($"dashboard       {demo.Dashboard}", demo.Process.Output);
        using var http = new HttpClient();
        Assert.Contains("<title>Skein dashboard</title>", await http.GetStringAsync(demo.Dashboard));
    }

    [Fact]
    public async Task The_demo_graph_shows_its_services_with_live_numbers_and_a_click_opens_the_service_detail()
    {
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, demo.Dashboard);
        await dashboard.CaptureOnFailureAsync("dashboard-graph-test-failure.png", async () =>
        {
            // Every demo service is drawn, and each receives traffic: its inbound rate is live and nonzero.
            await DashboardPage.EventuallyAsync(async () =>
            {
                var nodes = await dashboard.NodesAsync();
                var ok = DemoServices.All(s => nodes.Any(n => n["id"] == $"service:bookstore/{s}" && Number(n["rpsIn"]) > 0));
                var banner = await dashboard.Page.Locator("#banner").TextContentAsync();
                return (ok, $"banner: {banner}\n" + string.Join('\n', nodes.Select(n => $"{n["id"]} rpsIn={n["rpsIn"]}")));
            }, TimeSpan.FromSeconds(60), "every demo service in the graph with a nonzero request rate");

            // Each service leads to the workloads behind it: catalog to both its versions, on two nodes.
            await DashboardPage.EventuallyAsync(async () =>
            {
                var links = (await dashboard.MembersAsync()).Concat(await dashboard.EdgesAsync())
                    .Where(e => e["source"] == "service:bookstore/catalog").Select(e => e["target"]).ToList();
                return (links.Contains("workload:bookstore/catalog-v1") && links.Contains("workload:bookstore/catalog-v2"), string.Join('\n', links));
            }, TimeSpan.FromSeconds(10), "the catalog service linked to catalog-v1 and catalog-v2");

            var edges = await dashboard.EdgesAsync();
            Assert.Contains(edges, e => e["target"] == "service:bookstore/catalog" && Number(e["rps"]) > 0 && Number(e["p99Ms"]) > 0);
            // The demo runs mTLS STRICT: workload-to-service edges carry the lock, none the plaintext warning.
            Assert.Contains(edges, e => e["mtls"] == "mutual_tls");
            Assert.DoesNotContain(edges, e => e["mtls"] == "plaintext");
            Assert.True(await dashboard.Page.Locator(".edge-label[data-mtls='mutual_tls'] svg.icon-mtls").CountAsync() > 0, "edge labels show a lock for mTLS");

            // The shortest window: the demo has only just started, so its charts fill up sooner.
            await dashboard.Page.SelectOptionAsync("#window", "1m");
            await dashboard.Page.Locator("#graph-model[data-window='1m']").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 10_000 });
            var detail = dashboard.Page.Locator("#detail[data-id='service:bookstore/catalog']");
            await dashboard.ClickNodeUntilAsync("service:bookstore/catalog", detail);
            Assert.Equal("catalog", await dashboard.Page.Locator("#detail-title").TextContentAsync());

            // catalog has two endpoints (v1 on node-a, v2 on node-b), live golden metrics and a time series.
            var endpoints = dashboard.Page.Locator("#detail [data-testid='endpoints'] tbody tr");
            await DashboardPage.EventuallyAsync(async () =>
            {
                var rows = await endpoints.AllTextContentsAsync();
                var ok = rows.Any(r => r.Contains("catalog-v1", StringComparison.Ordinal)) && rows.Any(r => r.Contains("catalog-v2", StringComparison.Ordinal));
                return (ok, string.Join('\n', rows));
            }, TimeSpan.FromSeconds(15), "catalog's endpoints catalog-v1 and catalog-v2 in the detail panel");

            Assert.True(Number(await detail.Locator("[data-metric='rps']").GetAttributeAsync("data-value") ?? "") > 0, "the detail panel shows catalog's request rate");
            await DashboardPage.EventuallyAsync(async () =>
            {
                var chart = detail.Locator("figure.chart[data-series='Requests / s']");
                var (points, max) = (await chart.GetAttributeAsync("data-points"), await chart.GetAttributeAsync("data-max"));
                return (Number(points ?? "0") >= 1 && Number(max ?? "0") > 0, $"request-rate chart: {points} points, max {max}");
            }, TimeSpan.FromSeconds(45), "catalog's request-rate chart to show traffic");

            await dashboard.ScreenshotAsync("dashboard.png");

            // The address names the selection, so a reload (or a shared link) opens the same detail.
            Assert.EndsWith("#graph/service%3Abookstore%2Fcatalog", dashboard.Page.Url, StringComparison.Ordinal);
            await dashboard.Page.ReloadAsync();
            await detail.Locator("[data-testid='endpoints']").WaitForAsync(new() { Timeout = 10_000 });
            Assert.True(dashboard.Problems.Count == 0, string.Join("\n", dashboard.Problems));
        });
    }

    [Fact]
    public async Task The_proxies_and_certificates_tabs_list_the_demo_nodes_and_workload_identities()
    {
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, demo.Dashboard);
        await dashboard.CaptureOnFailureAsync("dashboard-tabs-test-failure.png", async () =>
        {
            await dashboard.Page.ClickAsync("#tab-btn-proxies");
            await DashboardPage.EventuallyAsync(async () =>
            {
                var rows = await dashboard.Page.Locator("#proxies-table tbody tr").AllTextContentsAsync();
                return (rows.Count(r => r.Contains("node-a", StringComparison.Ordinal) || r.Contains("node-b", StringComparison.Ordinal)) == 2 && rows.All(r => r.Contains('✓')), string.Join('\n', rows));
            }, TimeSpan.FromSeconds(10), "node-a and node-b listed, each at the current config version");
            await dashboard.ScreenshotAsync("dashboard-proxies.png");

            await dashboard.Page.ClickAsync("#tab-btn-certificates");
            await DashboardPage.EventuallyAsync(async () =>
            {
                var identities = await dashboard.Page.Locator("#certificates-table tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.identity)");
                return (identities.Contains("spiffe://cluster.local/ns/bookstore/sa/catalog"), string.Join('\n', identities));
            }, TimeSpan.FromSeconds(10), "catalog's certificate in the certificates tab");
            await dashboard.ScreenshotAsync("dashboard-certificates.png");
            Assert.True(dashboard.Problems.Count == 0, string.Join("\n", dashboard.Problems));
        });
    }

    [Fact]
    public async Task An_injected_deny_policy_turns_the_frontend_to_payments_edge_red_and_its_detail_names_the_policy()
    {
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, demo.Dashboard);
        var injected = Path.Combine(demo.ConfigDir, "deny-payments.yaml");
        try
        {
            await dashboard.CaptureOnFailureAsync("dashboard-deny-test-failure.png", async () =>
            {
                await dashboard.Page.SelectOptionAsync("#window", "1m");
                File.Copy(Path.Combine(demo.InjectDir, "deny-payments.yaml"), injected);

                const string edgeId = "edge:workload:bookstore/frontend-v1|service:bookstore/payments|tcp";
                await DashboardPage.EventuallyAsync(async () =>
                {
                    var edge = (await dashboard.EdgesAsync()).FirstOrDefault(e => e["id"] == edgeId);
                    return (edge?["health"] == "failing", edge is null ? "no frontend-v1 -> payments edge" : $"health {edge["health"]}, error ratio {edge["errorRatio"]}");
                }, TimeSpan.FromSeconds(45), "the frontend-v1 -> payments edge to turn red (failing)");

                await dashboard.Page.Locator($".edge-label[data-edge-id='{edgeId}']").ClickAsync();
                var detail = dashboard.Page.Locator($"#detail[data-id='{edgeId}']");
                await detail.WaitForAsync(new() { Timeout = 5_000 });
                await DashboardPage.EventuallyAsync(async () =>
                {
                    var text = await detail.TextContentAsync() ?? "";
                    return (text.Contains("deny-frontend-to-payments", StringComparison.Ordinal), text);
                }, TimeSpan.FromSeconds(10), "the edge's last error to name the DENY policy");
                await dashboard.ScreenshotAsync("dashboard-deny-injected.png");

                // The payments service's detail lists the policy among those that apply to it.
                var payments = dashboard.Page.Locator("#detail[data-id='service:bookstore/payments']");
                await dashboard.ClickNodeUntilAsync("service:bookstore/payments", payments);
                await DashboardPage.EventuallyAsync(async () =>
                {
                    var policies = await payments.Locator("[data-testid='policies'] li").AllTextContentsAsync();
                    return (policies.Contains("AuthorizationPolicy bookstore/deny-frontend-to-payments"), string.Join('\n', policies));
                }, TimeSpan.FromSeconds(10), "the DENY policy listed under the payments service's policies");
                Assert.True(dashboard.Problems.Count == 0, string.Join("\n", dashboard.Problems));
            });
        }
        finally
        {
            File.Delete(injected);
        }
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
