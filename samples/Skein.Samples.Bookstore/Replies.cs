using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore;

/// <summary>Helpers for writing JSON replies and quoting who produced an upstream reply.</summary>
public static class Replies
{
    // Replies are JSON for curl and tests, never embedded in HTML, so keep quotes and '&' readable.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="body"/> as JSON with <paramref name="status"/>.</summary>
    public static IResult Json(JsonNode body, int status = StatusCodes.Status200OK) =>
        Results.Content(body.ToJsonString(Readable), "application/json", Encoding.UTF8, status);

    /// <summary>The service, version and pod fields of an upstream reply, so callers can show the path taken.</summary>
    public static JsonObject Origin(JsonNode? reply) => new()
    {
        ["service"] = reply?["service"]?.DeepClone(),
        ["version"] = reply?["version"]?.DeepClone(),
        ["pod"] = reply?["pod"]?.DeepClone(),
    };
}
