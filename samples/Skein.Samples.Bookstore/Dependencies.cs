using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skein.Samples.Bookstore;

/// <summary>Calls this app's upstream services; every failure surfaces as a <see cref="DependencyException"/>.</summary>
public sealed class Dependencies(HttpClient http, BookstoreOptions options)
{
    // Forwarded so tracing and header-based routing (Istio bookinfo's "end-user") work across hops.
    private static readonly string[] Propagated = ["x-request-id", "traceparent", "tracestate", "baggage", "end-user"];

    /// <summary>GETs <paramref name="path"/> from upstream <paramref name="name"/> and returns its JSON.</summary>
    public Task<JsonNode> GetAsync(HttpContext incoming, string name, string path) =>
        SendAsync(incoming, name, HttpMethod.Get, path, body: null);

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> on upstream <paramref name="name"/>.</summary>
    public Task<JsonNode> PostAsync(HttpContext incoming, string name, string path, JsonNode body) =>
        SendAsync(incoming, name, HttpMethod.Post, path, body);

    private async Task<JsonNode> SendAsync(HttpContext incoming, string name, HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(options.Upstream(name), path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        foreach (var header in Propagated)
        {
            if (incoming.Request.Headers.TryGetValue(header, out var values))
            {
                request.Headers.TryAddWithoutValidation(header, (IEnumerable<string?>)values);
            }
        }

        var aborted = incoming.RequestAborted;
        try
        {
            using var response = await http.SendAsync(request, aborted);
            var text = await response.Content.ReadAsStringAsync(aborted);
            var json = TryParse(text);
            if (!response.IsSuccessStatusCode)
            {
                throw new DependencyException(name, $"{name} answered {(int)response.StatusCode} {response.ReasonPhrase}", json);
            }

            return json ?? throw new DependencyException(name, $"{name} answered with a body that is not JSON");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !aborted.IsCancellationRequested)
        {
            // Connection refused, proxy errors, timeouts: name the hop and say why.
            throw new DependencyException(name, e.Message, inner: e);
        }
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
