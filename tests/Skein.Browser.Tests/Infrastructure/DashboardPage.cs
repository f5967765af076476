using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;

namespace Skein.Browser.Tests.Infrastructure;

/// <summary>The dashboard open in a browser tab, read through the DOM mirror of its canvas graph.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    private DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        // Script errors and CSP violations show up as console errors or page errors; a test fails on any.
        // Failed requests are left out: the page reports those in its banner, which the tests check.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("Failed to load resource", StringComparison.Ordinal))
            {
                lock (_problems)
                {
                    _problems.Add($"console: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_problems)
            {
                _problems.Add($"page error: {error}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    public static async Task<DashboardPage> OpenAsync(IBrowser browser, Uri url)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page);
        var response = await page.GotoAsync(url.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.True(response?.Ok == true, $"GET {url} answered {response?.Status}");
        return dashboard;
    }

    /// <summary>Nodes of the graph as the page drew them: data attributes of the hidden mirror list.</summary>
    public async Task<IReadOnlyList<Dictionary<string, string>>> NodesAsync() => await ReadModelAsync(".model-node");

    public async Task<IReadOnlyList<Dictionary<string, string>>> EdgesAsync() => await ReadModelAsync(".model-edge");

    /// <summary>Service-to-workload links the page draws from the configuration (no traffic numbers).</summary>
    public async Task<IReadOnlyList<Dictionary<string, string>>> MembersAsync() => await ReadModelAsync(".model-member");

    private async Task<IReadOnlyList<Dictionary<string, string>>> ReadModelAsync(string selector)
    {
        var json = await Page.EvaluateAsync<JsonElement>(
            "sel => [...document.querySelectorAll('#graph-model ' + sel)].map(e => ({ ...e.dataset }))", selector);
        return json.EnumerateArray()
            .Select(o => o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))
            .ToList();
    }

    /// <summary>Clicks the canvas where the page says it drew the node, as a person would.</summary>
    public async Task ClickNodeAsync(string id)
    {
        var node = (await NodesAsync()).Single(n => n["id"] == id);
        var box = await Page.Locator("#graph").BoundingBoxAsync() ?? throw new InvalidOperationException("the graph is not visible");
        await Page.Mouse.ClickAsync(box.X + float.Parse(node["x"], System.Globalization.CultureInfo.InvariantCulture),
            box.Y + float.Parse(node["y"], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Clicks the node until <paramref name="opened"/> shows: a poll that brings a new node re-lays the graph
    /// out, which can move the node between reading its position and the click landing.
    /// </summary>
    public async Task ClickNodeUntilAsync(string id, ILocator opened)
    {
        for (var attempt = 1; ; attempt++)
        {
            await ClickNodeAsync(id);
            try
            {
                await opened.WaitForAsync(new LocatorWaitForOptions { Timeout = 3_000 });
                return;
            }
            catch (Microsoft.Playwright.PlaywrightException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Runs the test body; if it fails, keeps a screenshot of what the page showed.</summary>
    public async Task CaptureOnFailureAsync(string screenshot, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            await ScreenshotAsync(screenshot);
            throw;
        }
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts.Screenshots, name), FullPage = false });

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails with what it last saw.</summary>
    public static async Task EventuallyAsync(Func<Task<(bool Ok, string Seen)>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        var seen = "";
        while (sw.Elapsed < timeout)
        {
            (var ok, seen) = await condition();
            if (ok)
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}; last seen:\n{seen}");
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
