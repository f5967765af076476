namespace Skein.Samples.Tests;

/// <summary>Runs the whole bookstore (frontend → catalog v2 → inventory, reviews, payments, plus catalog v1) wired by direct URLs.</summary>
public sealed class BookstoreFixture : IAsyncLifetime
{
    private readonly List<SampleProcess> _started = [];

    /// <summary>The client the tests use.</summary>
    public HttpClient Http { get; } = TestHttp.NewClient();

    /// <summary>The running apps by name ("catalog-v1", "frontend", …).</summary>
    public Dictionary<string, SampleProcess> Apps { get; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        try
        {
            // Leaves first: the apps calling them need their URLs.
            Start("inventory", "--app", "inventory");
            Start("reviews", "--app", "reviews");
            Start("payments", "--app", "payments");
            var inventory = $"inventory={Apps["inventory"].BaseUrl}";
            Start("catalog-v1", "--app", "catalog", "--version", "v1", "--upstream", inventory);
            Start("catalog-v2", "--app", "catalog", "--version", "v2", "--upstream", inventory);
            Start("frontend", "--app", "frontend",
                "--upstream", $"catalog={Apps["catalog-v2"].BaseUrl}",
                "--upstream", $"reviews={Apps["reviews"].BaseUrl}",
                "--upstream", $"payments={Apps["payments"].BaseUrl}",
                "--upstream", inventory);
            await Task.WhenAll(_started.Select(app => app.WaitHealthyAsync(Http)));
        }
        catch
        {
            // xunit may not dispose a fixture whose setup failed; never leave processes behind.
            await DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        foreach (var app in _started)
        {
            app.Dispose();
        }

        _started.Clear();
        Http.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The base URL of app <paramref name="name"/>.</summary>
    public string Url(string name) => Apps[name].BaseUrl;

    private void Start(string name, params string[] args)
    {
        var app = SampleProcess.Start("Skein.Samples.Bookstore", args);
        _started.Add(app);
        Apps[name] = app;
    }
}
