using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>Applies Gateway API header modifiers (set, add, remove; names case-insensitive) to request or response headers.</summary>
public static class HeaderModifierApplier
{
    /// <summary>Applies to an ASP.NET header dictionary (incoming request, outgoing response).</summary>
    public static void Apply(HeaderModifier modifier, IHeaderDictionary headers)
    {
        foreach (var header in modifier.Set)
        {
            headers[header.Name] = header.Value;
        }

        foreach (var header in modifier.Add)
        {
            // "add" appends to whatever is there as one comma-joined value (the spec's example: "my-header: foo"
            // becomes "my-header: foo,bar"); separate values would be re-joined with ", " on the wire.
            headers[header.Name] = headers.TryGetValue(header.Name, out var existing) && existing.Count > 0
                ? $"{existing},{header.Value}"
                : header.Value;
        }

        foreach (var name in modifier.Remove)
        {
            headers.Remove(name);
        }
    }

    /// <summary>Applies to the proxied request message (backendRef filters run after YARP copied the headers).</summary>
    public static void Apply(HeaderModifier modifier, HttpRequestMessage request)
    {
        foreach (var header in modifier.Set)
        {
            Remove(request, header.Name);
            Add(request, header.Name, header.Value);
        }

        foreach (var header in modifier.Add)
        {
            var existing = Existing(request, header.Name);
            Remove(request, header.Name);
            Add(request, header.Name, existing is null ? header.Value : $"{existing},{header.Value}");
        }

        foreach (var name in modifier.Remove)
        {
            Remove(request, name);
        }
    }

    private static string? Existing(HttpRequestMessage request, string name)
    {
        var headers = IsContentHeader(name) ? request.Content?.Headers.NonValidated : request.Headers.NonValidated;
        return headers is { } h && h.TryGetValues(name, out var values) && values.Count > 0 ? string.Join(',', values) : null;
    }

    private static void Add(HttpRequestMessage request, string name, string value)
    {
        if (IsContentHeader(name))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static void Remove(HttpRequestMessage request, string name)
    {
        // HttpHeaders throws when asked about a header of the other collection: route by name.
        if (IsContentHeader(name))
        {
            request.Content?.Headers.Remove(name);
        }
        else
        {
            request.Headers.Remove(name);
        }
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Expires", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    /// <summary>Applies to response headers YARP is about to send (<see cref="HttpResponseHeaders"/> are already copied into the context).</summary>
    public static void Apply(IEnumerable<HeaderModifier> modifiers, IHeaderDictionary headers)
    {
        foreach (var modifier in modifiers)
        {
            Apply(modifier, headers);
        }
    }
}
