using System.Text.Json.Nodes;

namespace Skein.Samples.Tests;

/// <summary>The bookstore call graph works end to end, and a failed hop is named in a 502.</summary>
public sealed class BookstoreTests(BookstoreFixture fixture) : IClassFixture<BookstoreFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task FrontendBooksCombinesCatalogInventoryAndReviews()
    {
        var (status, page) = await Http.GetJsonAsync($"{fixture.Url("frontend")}/books");

        Assert.Equal(200, status);
        AssertIdentity(page, "frontend", "v1");
        var services = page["upstreams"]!.AsArray().Select(u => $"{u?["service"]}/{u?["version"]}").ToList();
        Assert.Equal(["catalog/v2", "inventory/v1", "reviews/v1"], services);

        var mobyDick = page["books"]!.AsArray().Single(b => (int?)b?["id"] == 1)!;
        Assert.Equal("Moby-Dick", (string?)mobyDick["title"]);   // from catalog
        Assert.Equal(12, (int?)mobyDick["stock"]);              // from inventory, via catalog
        Assert.Equal(4.1, (double?)mobyDick["rating"]);         // catalog v2 only
        Assert.NotEmpty(mobyDick["reviews"]!.AsArray());        // from reviews
    }

    [Fact]
    public async Task RootServesTheSamePage()
    {
        var (status, page) = await Http.GetJsonAsync($"{fixture.Url("frontend")}/");

        Assert.Equal(200, status);
        Assert.Equal(4, page["books"]!.AsArray().Count);
    }

    [Fact]
    public async Task CatalogV2AddsRatingsAndV1DoesNot()
    {
        var (_, v1) = await Http.GetJsonAsync($"{fixture.Url("catalog-v1")}/books");
        var (_, v2) = await Http.GetJsonAsync($"{fixture.Url("catalog-v2")}/books");

        AssertIdentity(v1, "catalog", "v1");
        AssertIdentity(v2, "catalog", "v2");
        Assert.All(v1["books"]!.AsArray(), b => Assert.False(b!.AsObject().ContainsKey("rating")));
        Assert.All(v2["books"]!.AsArray(), b => Assert.NotNull(b!["rating"]));
    }

    [Fact]
    public async Task BuyPaysThroughPaymentsAndRefusesSoldOutBooks()
    {
        using var bought = await Http.PostAsync($"{fixture.Url("frontend")}/buy/1", content: null);
        var receipt = await TestHttp.ReadJsonAsync(bought);
        Assert.Equal(200, (int)bought.StatusCode);
        Assert.Equal("bought", (string?)receipt["status"]);
        AssertIdentity(receipt["payment"]!.AsObject(), "payments", "v1");
        Assert.Equal("inventory", (string?)receipt["inventory"]?["service"]);

        var (soldOut, refusal) = await Http.GetJsonAsync($"{fixture.Url("frontend")}/buy/3");
        Assert.Equal(409, soldOut);
        Assert.Equal("out of stock", (string?)refusal["error"]);
    }

    [Fact]
    public async Task LeavesAnswerWithIdentity()
    {
        AssertIdentity((await Http.GetJsonAsync($"{fixture.Url("inventory")}/stock")).Body, "inventory", "v1");
        AssertIdentity((await Http.GetJsonAsync($"{fixture.Url("reviews")}/reviews/2")).Body, "reviews", "v1");
        AssertIdentity((await Http.GetJsonAsync($"{fixture.Url("payments")}/healthz")).Body, "payments", "v1");
    }

    [Fact]
    public async Task CatalogAnswers502NamingInventoryWhenInventoryIsKilled()
    {
        // Its own pair of processes: killing the shared inventory would break the other tests.
        using var inventory = SampleProcess.Start("Skein.Samples.Bookstore", ["--app", "inventory"]);
        using var catalog = SampleProcess.Start("Skein.Samples.Bookstore", ["--app", "catalog", "--upstream", $"inventory={inventory.BaseUrl}"]);
        await Task.WhenAll(inventory.WaitHealthyAsync(Http), catalog.WaitHealthyAsync(Http));
        Assert.Equal(200, (await Http.GetJsonAsync($"{catalog.BaseUrl}/books")).Status);

        inventory.Kill();
        var (status, body) = await Http.GetJsonAsync($"{catalog.BaseUrl}/books");

        Assert.Equal(502, status);
        AssertIdentity(body, "catalog", "v1");
        Assert.Equal("inventory", (string?)body["dependency"]);
        Assert.False(string.IsNullOrEmpty((string?)body["message"]));
        // The failure did not take the catalog down.
        Assert.Equal(200, (await Http.GetJsonAsync($"{catalog.BaseUrl}/healthz")).Status);
    }

    private static void AssertIdentity(JsonObject reply, string service, string version)
    {
        Assert.Equal(service, (string?)reply["service"]);
        Assert.Equal(version, (string?)reply["version"]);
        Assert.StartsWith($"{service}-{version}-", (string?)reply["pod"]);
    }
}
