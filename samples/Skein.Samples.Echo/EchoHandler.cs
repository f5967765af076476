using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Skein.Samples.Echo;

/// <summary>Answers any request with a JSON description of it, per the Gateway API echo-basic contract.</summary>
public static partial class EchoHandler
{
    // Indented like upstream's echo; relaxed escaping so paths keep a literal '&' (the body is never HTML).
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Handles one request: the retry simulation (?uuid=&amp;succeedAfter=…), optional ?delay=, /status/{code},
    /// X-Echo-Set-Header, then the echo body.
    /// </summary>
    public static async Task HandleAsync(HttpContext context, EchoIdentity identity, RetrySimulation retries)
    {
        var request = context.Request;
        var response = context.Response;

        switch (retries.Decide(request.Query, out var failStatus, out var failDelay))
        {
            case RetryVerdict.FailWithStatus:
                await Task.Delay(failDelay, context.RequestAborted);
                await WriteJsonAsync(context, failStatus, new JsonObject { ["message"] = "retry simulation: failing this attempt" });
                return;
            case RetryVerdict.ResetConnection:
                await Task.Delay(failDelay, context.RequestAborted);
                context.Abort();
                return;
        }

        if (request.Query.TryGetValue("delay", out var delayText))
        {
            if (!Delay.TryParse(delayText.ToString(), out var delay))
            {
                await WriteJsonAsync(context, StatusCodes.Status400BadRequest, new JsonObject { ["message"] = $"bad delay '{delayText}'" });
                return;
            }

            await Task.Delay(delay, context.RequestAborted);
        }

        var status = StatusCodes.Status200OK;
        var statusMatch = StatusPath().Match(request.Path.Value ?? "");
        if (statusMatch.Success)
        {
            status = int.Parse(statusMatch.Groups[1].Value);
            if (status < 200)
            {
                // 1xx cannot be a final response.
                status = StatusCodes.Status400BadRequest;
            }
        }

        foreach (var (name, value) in HeadersToSet(request.Headers["X-Echo-Set-Header"]))
        {
            response.Headers[name] = response.Headers.TryGetValue(name, out var existing) ? $"{existing},{value}" : value;
        }

        await WriteJsonAsync(context, status, Describe(context, identity));
    }

    private static JsonObject Describe(HttpContext context, EchoIdentity identity)
    {
        var request = context.Request;
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers)
        {
            // Go's server moves Host out of the header map; the contract reports it as "host".
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                headers[CanonicalName(name)] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
            }
        }

        var description = new JsonObject
        {
            // The raw request target (path and query as sent), like Go's RequestURI.
            ["path"] = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}",
            ["host"] = request.Host.Value,
            ["method"] = request.Method,
            ["proto"] = GoProto(request.Protocol),
            ["headers"] = headers,
            ["namespace"] = identity.Namespace,
            ["ingress"] = identity.Ingress,
            ["service"] = identity.Service,
            ["pod"] = identity.Pod,
        };
        if (EchoTls.Describe(context) is { } tls)
        {
            description["tls"] = tls;
        }

        return description;
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (HttpMethods.IsHead(context.Request.Method) || status is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)
        {
            return;
        }

        response.ContentType = "application/json";
        response.Headers.XContentTypeOptions = "nosniff";
        await response.WriteAsync(body.ToJsonString(Indented), Encoding.UTF8, context.RequestAborted);
    }

    // "X-Echo-Set-Header: name:value,name2:value2" (possibly on several lines).
    private static IEnumerable<(string Name, string Value)> HeadersToSet(StringValues lines)
    {
        foreach (var line in lines)
        {
            foreach (var pair in (line ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = pair.IndexOf(':');
                var name = (colon < 0 ? pair : pair[..colon]).Trim();
                if (name.Length > 0)
                {
                    yield return (name, colon < 0 ? "" : pair[(colon + 1)..].Trim());
                }
            }
        }
    }

    // Go reports header names canonicalised ("x-foo-bar" -> "X-Foo-Bar"), whatever case arrived (HTTP/2 is lower case).
    private static string CanonicalName(string name)
    {
        var chars = name.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }

        return new string(chars);
    }

    // Kestrel says "HTTP/2"; Go (and so the conformance suite) says "HTTP/2.0".
    private static string GoProto(string protocol) => protocol switch
    {
        "HTTP/2" => "HTTP/2.0",
        "HTTP/3" => "HTTP/3.0",
        _ => protocol,
    };

    [GeneratedRegex(@"^/status/(\d{3})$")]
    private static partial Regex StatusPath();
}
