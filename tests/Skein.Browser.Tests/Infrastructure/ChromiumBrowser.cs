using Microsoft.Playwright;

namespace Skein.Browser.Tests.Infrastructure;

/// <summary>
/// Playwright driving the system's Chromium (Debian's <c>chromium</c> package): no browser download, so the
/// tests run offline. The Playwright driver itself ships inside the NuGet package.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    /// <summary>Where Debian and other distributions put Chromium; <c>SKEIN_CHROMIUM</c> overrides.</summary>
    private static readonly string[] Candidates =
    [
        "/usr/lib/chromium/chromium", // Debian's binary, without the wrapper script's extra flags
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/snap/bin/chromium",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("SKEIN_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"SKEIN_CHROMIUM is set to {configured}, which does not exist.");
        }

        return Candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "Chromium was not found (looked in " + string.Join(", ", Candidates) + "). The browser tests need it: " +
                "install Debian's package with `apt-get install chromium` (scripts/test.sh does), or set SKEIN_CHROMIUM to a Chromium binary.");
    }

    public async Task InitializeAsync()
    {
        var executable = FindExecutable();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Containers and CI often lack the kernel features Chromium's sandbox needs; the page is our own.
            ChromiumSandbox = false,
            Args = ["--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
