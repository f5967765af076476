using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore;

/// <summary>An upstream call failed; the request answers 502 naming <see cref="Dependency"/>.</summary>
public sealed class DependencyException(string dependency, string message, JsonNode? upstreamBody = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The upstream service that failed, e.g. "inventory".</summary>
    public string Dependency { get; } = dependency;

    /// <summary>The upstream's own JSON reply, when it sent one (it may name a deeper failure).</summary>
    public JsonNode? UpstreamBody { get; } = upstreamBody;
}

/// <summary>Turns <see cref="DependencyException"/> into a 502 JSON reply instead of a 500.</summary>
public static class DependencyErrors
{
    /// <summary>Adds the middleware; endpoints then just let dependency failures propagate.</summary>
    public static void UseDependencyErrors(this WebApplication app, BookstoreOptions options) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (DependencyException e) when (!context.Response.HasStarted)
        {
            var body = options.NewReply();
            body["error"] = "dependency failed";
            body["dependency"] = e.Dependency;
            body["message"] = e.Message;
            // Nesting the upstream's reply shows the whole failing path, e.g. frontend -> catalog -> inventory.
            if (e.UpstreamBody is not null)
            {
                body["upstream"] = e.UpstreamBody.DeepClone();
            }

            await Replies.Json(body, StatusCodes.Status502BadGateway).ExecuteAsync(context);
        }
    });
}
