using System.Net;
using Skein.Browser.Tests.Infrastructure;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Browser.Tests;

/// <summary>The dashboard served by a lone control plane: where it is served, configuration errors, and what happens when the API goes away.</summary>
public sealed class DashboardServingTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>, IAsyncLifetime
{
    private readonly LoopbackBlock _block = Loopback.NextBlock();
    private readonly string _root = Directory.CreateTempSubdirectory("skein-browser-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private TestProcess? _control;

    private IPAddress Control => _block.Host(1);

    private Uri Api => new($"http://{Control}:20001/");

    public async Task InitializeAsync()
    {
        var config = Path.Combine(_root, "config");
        Directory.CreateDirectory(config);
        // Line 7 misspells "selector": the control plane reports it and keeps serving.
        await File.WriteAllTextAsync(Path.Combine(config, "mesh.yaml"), """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: default
            spec:
              selectr:
                app: web
              ports:
              - port: 80
                targetPort: 8080
            """);
        _control = TestProcess.Skein("control", ["control", "--config", config, "--state", Path.Combine(_root, "state"), "--address", Control.ToString()]);
        await DashboardPage.EventuallyAsync(async () =>
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(Api, "readyz"));
                return (response.IsSuccessStatusCode, response.StatusCode.ToString());
            }
            catch (HttpRequestException e)
            {
                return (_control.HasExited ? throw new InvalidOperationException($"control plane exited:\n{_control.Output}") : false, e.Message);
            }
        }, TimeSpan.FromSeconds(30), "the control plane to be ready");
    }

    [Fact]
    public async Task The_page_and_its_scripts_are_served_on_the_api_port_only_with_a_strict_content_security_policy()
    {
        using var page = await _http.GetAsync(Api);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("<title>Skein dashboard</title>", await page.Content.ReadAsStringAsync());

        foreach (var asset in new[] { "app.js", "app.css", "vendor/cytoscape.min.js", "vendor/cytoscape-dagre.min.js", "vendor/cytoscape.LICENSE" })
        {
            using var response = await _http.GetAsync(new Uri(Api, asset));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {response.StatusCode}");
        }

        // Revalidation: the same ETag answers 304 without a body.
        var etag = page.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, Api);
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // The metrics port serves metrics only, not the dashboard.
        using var onMetrics = await _http.GetAsync(new Uri($"http://{Control}:15014/"));
        Assert.Equal(HttpStatusCode.NotFound, onMetrics.StatusCode);
        using var unknown = await _http.GetAsync(new Uri(Api, "vendor/missing.js"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Config_errors_are_listed_and_when_the_api_stops_answering_a_banner_says_so_and_the_last_data_stays()
    {
        await using var dashboard = await DashboardPage.OpenAsync(chromium.Browser, Api);
        await dashboard.Page.ClickAsync("#tab-btn-errors");
        var rows = dashboard.Page.Locator("#errors-table tbody tr");
        await DashboardPage.EventuallyAsync(async () =>
        {
            var text = await rows.AllTextContentsAsync();
            return (text.Any(r => r.Contains("mesh.yaml:7", StringComparison.Ordinal) && r.Contains("spec.selectr", StringComparison.Ordinal)), string.Join('\n', text));
        }, TimeSpan.FromSeconds(15), "the misspelt field listed with its file, line and field");
        Assert.Equal("1", await dashboard.Page.Locator("#errors-count").TextContentAsync());
        Assert.Equal("No proxies connected.", await dashboard.Page.Locator("#proxies-table").TextContentAsync());
        Assert.True(await dashboard.Page.Locator("#banner").IsHiddenAsync(), $"no banner while the API answers: {await dashboard.Page.Locator("#banner").TextContentAsync()}");
        await dashboard.ScreenshotAsync("dashboard-config-errors.png");

        _control!.KillHard();
        await _control.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var banner = dashboard.Page.Locator("#banner");
        await banner.WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Visible, Timeout = 15_000 });
        Assert.Contains("not answering", await banner.TextContentAsync());
        Assert.Equal("stale", await dashboard.Page.Locator("#live").GetAttributeAsync("data-state"));
        Assert.Contains("spec.selectr", await rows.First.TextContentAsync());
        await dashboard.ScreenshotAsync("dashboard-api-down.png");
        Assert.True(dashboard.Problems.Count == 0, string.Join("\n", dashboard.Problems));
    }

    public async Task DisposeAsync()
    {
        if (_control is not null)
        {
            await _control.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
