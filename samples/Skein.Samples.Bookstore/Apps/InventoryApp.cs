using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore.Apps;

/// <summary>A leaf: copies in stock per book id.</summary>
public static class InventoryApp
{
    /// <summary>Maps GET /stock.</summary>
    public static void Map(WebApplication app, BookstoreOptions options) => app.MapGet("/stock", () =>
    {
        var stock = new JsonObject();
        foreach (var (id, copies) in Catalogue.Stock)
        {
            stock[id.ToString()] = copies;
        }

        var reply = options.NewReply();
        reply["stock"] = stock;
        return Replies.Json(reply);
    });
}
