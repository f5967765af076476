using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Skein.Samples.Echo;

/// <summary>One "echo-request {json}" line per request received, so a test harness can see who got what.</summary>
public static class RequestLog
{
    /// <summary>The prefix of every request line.</summary>
    public const string Prefix = "echo-request ";

    /// <summary>Writes the line for <paramref name="context"/>'s request (method, host, raw path).</summary>
    public static void Write(TextWriter output, HttpContext context)
    {
        var request = context.Request;
        var line = new JsonObject
        {
            ["method"] = request.Method,
            ["host"] = request.Host.Value,
            ["path"] = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}",
        };

        // TextWriter.Synchronized (Console.Out) keeps concurrent lines whole.
        output.WriteLine(Prefix + line.ToJsonString());
    }
}
