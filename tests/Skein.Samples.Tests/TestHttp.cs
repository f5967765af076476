using System.Text.Json.Nodes;

namespace Skein.Samples.Tests;

/// <summary>HTTP helpers shared by the tests: a proxy-free client and JSON reads.</summary>
public static class TestHttp
{
    /// <summary>A client that talks to loopback directly, whatever proxy the environment sets.</summary>
    public static HttpClient NewClient() =>
        new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>GETs <paramref name="url"/> and returns the status and parsed JSON body.</summary>
    public static async Task<(int Status, JsonObject Body)> GetJsonAsync(this HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        return ((int)response.StatusCode, await ReadJsonAsync(response));
    }

    /// <summary>Parses a response body as a JSON object, showing the raw text when it is not one.</summary>
    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"not a JSON object: {text}");
    }
}
