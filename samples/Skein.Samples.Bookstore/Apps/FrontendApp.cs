using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore.Apps;

/// <summary>The entry point: lists books (catalog + reviews) and sells them (inventory + payments).</summary>
public static class FrontendApp
{
    /// <summary>Maps GET / and /books, and GET|POST /buy/{id}.</summary>
    public static void Map(WebApplication app, BookstoreOptions options)
    {
        app.MapGet("/", (HttpContext context, Dependencies deps) => ListBooks(context, deps, options));
        app.MapGet("/books", (HttpContext context, Dependencies deps) => ListBooks(context, deps, options));
        app.MapMethods("/buy/{id:int}", ["GET", "POST"], (int id, HttpContext context, Dependencies deps) => Buy(id, context, deps, options));
    }

    private static async Task<IResult> ListBooks(HttpContext context, Dependencies deps, BookstoreOptions options)
    {
        var catalog = (await deps.GetAsync(context, "catalog", "/books")).AsObject();
        if (catalog["books"] is not JsonArray books)
        {
            throw new DependencyException("catalog", "catalog reply has no books array", catalog);
        }

        var reviews = await Task.WhenAll(books.Select(book => deps.GetAsync(context, "reviews", $"/reviews/{book?["id"]}")));
        for (var i = 0; i < books.Count; i++)
        {
            books[i]!["reviews"] = reviews[i]["reviews"]?.DeepClone();
        }

        // Which pods served this page, so traffic splits and failovers are visible at a glance.
        var upstreams = new JsonArray(Replies.Origin(catalog), Replies.Origin(catalog["inventory"]));
        foreach (var origin in reviews.Select(Replies.Origin).DistinctBy(o => o["pod"]?.ToString()))
        {
            upstreams.Add(origin);
        }

        catalog.Remove("books");
        var reply = options.NewReply();
        reply["title"] = "Skein Bookstore";
        reply["upstreams"] = upstreams;
        reply["books"] = books;
        return Replies.Json(reply);
    }

    private static async Task<IResult> Buy(int id, HttpContext context, Dependencies deps, BookstoreOptions options)
    {
        var reply = options.NewReply();
        reply["bookId"] = id;

        var inventory = await deps.GetAsync(context, "inventory", "/stock");
        reply["inventory"] = Replies.Origin(inventory);
        var copies = inventory["stock"]?[id.ToString()]?.GetValue<int>();
        if (copies is not > 0)
        {
            reply["error"] = copies is null ? "no such book" : "out of stock";
            return Replies.Json(reply, copies is null ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);
        }

        var payment = await deps.PostAsync(context, "payments", "/pay", new JsonObject { ["bookId"] = id });
        reply["status"] = "bought";
        reply["payment"] = payment;
        return Replies.Json(reply);
    }
}
