using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>The Gateway API CORS filter: answers preflights itself and adds CORS headers to allowed cross-origin responses.</summary>
public sealed class CorsPolicy(Cors cors)
{
    // Header values depend only on the policy: joined once, not per request.
    private readonly string _allowMethods = string.Join(", ", cors.AllowMethods);
    private readonly string _allowHeaders = string.Join(", ", cors.AllowHeaders);
    private readonly string _exposeHeaders = string.Join(", ", cors.ExposeHeaders);
    private readonly bool _anyMethod = cors.AllowMethods.Contains("*");
    private readonly bool _anyHeader = cors.AllowHeaders.Contains("*");
    private readonly bool _anyOrigin = cors.AllowOrigins.Contains("*");

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
        var methods = _anyMethod ? request.Headers.AccessControlRequestMethod.ToString() : _allowMethods;
        if (methods.Length > 0)
        {
            response.Headers.AccessControlAllowMethods = methods;
        }

        var headers = _anyHeader ? request.Headers.AccessControlRequestHeaders.ToString() : _allowHeaders;
        if (headers.Length > 0)
        {
            response.Headers.AccessControlAllowHeaders = headers;
        }

        if (_exposeHeaders.Length > 0)
        {
            response.Headers.AccessControlExposeHeaders = _exposeHeaders;
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
        if (_exposeHeaders.Length > 0)
        {
            headers.AccessControlExposeHeaders = _exposeHeaders;
        }
    }

    private void AddOriginHeaders(IHeaderDictionary headers, string origin)
    {
        // With credentials a wildcard origin is not allowed by browsers: echo the origin instead.
        headers.AccessControlAllowOrigin = _anyOrigin && !Proto.AllowCredentials ? "*" : origin;
        if (Proto.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        if (!_anyOrigin)
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
