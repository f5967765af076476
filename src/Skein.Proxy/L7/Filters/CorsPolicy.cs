using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>The Gateway API CORS filter: answers preflights itself and adds CORS headers to allowed cross-origin responses.</summary>
public sealed class CorsPolicy(Cors cors)
{
    public Cors Proto { get; } = cors;

    /// <summary>A preflight: OPTIONS with Origin and Access-Control-Request-Method.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.Origin.Count > 0 && request.Headers.AccessControlRequestMethod.Count > 0;

    public bool AllowsOrigin(string origin) => Proto.AllowOrigins.Any(pattern => OriginMatches(pattern, origin));

    /// <summary>Writes the preflight answer (200, no body); a disallowed origin gets 200 without CORS headers, so the browser refuses.</summary>
    public void AnswerPreflight(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        string origin = request.Headers.Origin.ToString();
        if (!AllowsOrigin(origin))
        {
            return;
        }

        AddOriginHeaders(response.Headers, origin);
        var methods = Proto.AllowMethods.Contains("*") ? request.Headers.AccessControlRequestMethod.ToString() : string.Join(", ", Proto.AllowMethods);
        if (methods.Length > 0)
        {
            response.Headers.AccessControlAllowMethods = methods;
        }

        var headers = Proto.AllowHeaders.Contains("*") ? request.Headers.AccessControlRequestHeaders.ToString() : string.Join(", ", Proto.AllowHeaders);
        if (headers.Length > 0)
        {
            response.Headers.AccessControlAllowHeaders = headers;
        }

        if (Proto.ExposeHeaders.Count > 0)
        {
            response.Headers.AccessControlExposeHeaders = string.Join(", ", Proto.ExposeHeaders);
        }

        if (Proto.MaxAgeSeconds > 0)
        {
            response.Headers.AccessControlMaxAge = Proto.MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>For an actual cross-origin request: the headers that let the browser read the response.</summary>
    public void AddResponseHeaders(HttpRequest request, IHeaderDictionary headers)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || !AllowsOrigin(origin))
        {
            return;
        }

        AddOriginHeaders(headers, origin);
        if (Proto.ExposeHeaders.Count > 0)
        {
            headers.AccessControlExposeHeaders = string.Join(", ", Proto.ExposeHeaders);
        }
    }

    private void AddOriginHeaders(IHeaderDictionary headers, string origin)
    {
        // With credentials a wildcard origin is not allowed by browsers: echo the origin instead.
        headers.AccessControlAllowOrigin = Proto.AllowOrigins.Contains("*") && !Proto.AllowCredentials ? "*" : origin;
        if (Proto.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        if (!Proto.AllowOrigins.Contains("*"))
        {
            headers.Vary = StringValues.Concat(headers.Vary, "Origin");
        }
    }

    /// <summary>Origins compare as scheme://host[:port]; "*" matches all, and a "*" label matches a host label prefix ("https://*.example.com").</summary>
    public static bool OriginMatches(string pattern, string origin)
    {
        if (pattern == "*")
        {
            return true;
        }

        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, origin, StringComparison.OrdinalIgnoreCase);
        }

        var head = pattern[..star];
        var tail = pattern[(star + 1)..];
        return origin.Length > head.Length + tail.Length &&
               origin.StartsWith(head, StringComparison.OrdinalIgnoreCase) &&
               origin.EndsWith(tail, StringComparison.OrdinalIgnoreCase);
    }
}
