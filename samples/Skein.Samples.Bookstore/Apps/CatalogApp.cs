using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore.Apps;

/// <summary>Lists books with live stock from inventory; versions after v1 add ratings.</summary>
public static class CatalogApp
{
    /// <summary>Maps GET /books.</summary>
    public static void Map(WebApplication app, BookstoreOptions options)
    {
        // The visible difference between versions, so a v1/v2 traffic split shows in every reply.
        var withRatings = options.Version != "v1";

        app.MapGet("/books", async (HttpContext context, Dependencies deps) =>
        {
            var inventory = await deps.GetAsync(context, "inventory", "/stock");
            var books = new JsonArray();
            foreach (var book in Catalogue.Books)
            {
                var item = new JsonObject
                {
                    ["id"] = book.Id,
                    ["title"] = book.Title,
                    ["author"] = book.Author,
                    ["price"] = book.Price,
                    ["stock"] = inventory["stock"]?[book.Id.ToString()]?.DeepClone(),
                };
                if (withRatings)
                {
                    item["rating"] = book.Rating;
                }

                books.Add(item);
            }

            var reply = options.NewReply();
            reply["inventory"] = Replies.Origin(inventory);
            reply["books"] = books;
            return Replies.Json(reply);
        });
    }
}
