using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore.Apps;

/// <summary>A leaf: accepts a payment for a book and returns a receipt.</summary>
public static class PaymentsApp
{
    /// <summary>Maps POST /pay, whose body is {"bookId": N}.</summary>
    public static void Map(WebApplication app, BookstoreOptions options) => app.MapPost("/pay", async (HttpContext context) =>
    {
        var reply = options.NewReply();
        int? bookId;
        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            bookId = body?["bookId"]?.GetValue<int>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            bookId = null;
        }

        if (bookId is null)
        {
            reply["error"] = "body must be {\"bookId\": N}";
            return Replies.Json(reply, StatusCodes.Status400BadRequest);
        }

        reply["status"] = "paid";
        reply["bookId"] = bookId;
        reply["transactionId"] = Guid.NewGuid().ToString("N")[..12];
        return Replies.Json(reply);
    });
}
