using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Routing;

/// <summary>One compiled <see cref="HttpMatch"/>: every condition (path, headers, query, method, port) must hold.</summary>
public sealed class RequestMatcher
{
    private readonly ValueMatcher[] _headers;
    private readonly ValueMatcher[] _query;
    private readonly string _method;
    private readonly int _port;

    public RequestMatcher(HttpMatch? match)
    {
        match ??= new HttpMatch();
        Path = new PathMatcher(match.Path);
        _headers = [.. match.Headers.Select(h => new ValueMatcher(h.Name, h.Value))];
        _query = [.. match.QueryParams.Select(q => new ValueMatcher(q.Name, q.Value))];
        _method = match.Method;
        _port = (int)match.Port;
    }

    public PathMatcher Path { get; }

    /// <param name="request">The request as received.</param>
    /// <param name="port">The port the request was sent to (listener port, or the service port behind a waypoint).</param>
    public bool Matches(HttpRequest request, int port)
    {
        if (_port != 0 && _port != port)
        {
            return false;
        }

        if (_method.Length > 0 && !string.Equals(_method, request.Method, StringComparison.Ordinal))
        {
            return false;
        }

        if (!Path.Matches(request.Path.Value ?? "/"))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            // Header names compare case-insensitively (Kestrel's header dictionary already does); repeated
            // headers are matched on their comma-joined value, as Envoy does.
            if (!request.Headers.TryGetValue(header.Name, out var values) || !header.Matches(values.ToString()))
            {
                return false;
            }
        }

        foreach (var param in _query)
        {
            if (!TryGetQueryExact(request.Query, param.Name, out var value) || !param.Matches(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Query parameter names compare exactly (ASP.NET's collection ignores case); the first value counts.</summary>
    private static bool TryGetQueryExact(IQueryCollection query, string name, out string? value)
    {
        foreach (var (key, values) in query)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                value = values.Count > 0 ? values[0] : "";
                return true;
            }
        }

        value = null;
        return false;
    }
}
