using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore.Apps;

/// <summary>A leaf: reader reviews for one book.</summary>
public static class ReviewsApp
{
    /// <summary>Maps GET /reviews/{id}.</summary>
    public static void Map(WebApplication app, BookstoreOptions options) => app.MapGet("/reviews/{id:int}", (int id) =>
    {
        var reviews = new JsonArray();
        foreach (var (reviewer, text) in Catalogue.Reviews.GetValueOrDefault(id, []))
        {
            reviews.Add(new JsonObject { ["reviewer"] = reviewer, ["text"] = text });
        }

        var reply = options.NewReply();
        reply["bookId"] = id;
        reply["reviews"] = reviews;
        return Replies.Json(reply);
    });
}
