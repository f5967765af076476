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
            // "add" appends a value to whatever is there (the spec's example: "my-header: foo" becomes "foo,bar").
            headers.Append(header.Name, header.Value);
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
            Add(request, header.Name, header.Value);
        }

        foreach (var name in modifier.Remove)
        {
            Remove(request, name);
        }
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
