using System.Text.Json.Nodes;
using Skein.Samples.Common;

namespace Skein.Samples.Bookstore;

/// <summary>Which bookstore service this process is, and how it reaches its upstreams.</summary>
public sealed record BookstoreOptions(string App, string Version, string Namespace, string Pod, IReadOnlyDictionary<string, Uri> Upstreams)
{
    /// <summary>The services one executable can be.</summary>
    public static readonly string[] Apps = ["frontend", "catalog", "inventory", "reviews", "payments"];

    /// <summary>Reads the options from a parsed command line and the POD_NAME environment variable.</summary>
    public static BookstoreOptions From(SampleArgs args)
    {
        var app = args.Required("app");
        if (!Apps.Contains(app))
        {
            throw new UsageException($"--app must be one of {string.Join(", ", Apps)}");
        }

        var version = args.Get("version", "v1")!;
        var upstreams = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var value in args.All("upstream"))
        {
            var eq = value.IndexOf('=');
            if (eq <= 0 || !Uri.TryCreate(value[(eq + 1)..], UriKind.Absolute, out var url))
            {
                throw new UsageException($"--upstream '{value}' is not NAME=URL");
            }

            upstreams[value[..eq]] = url;
        }

        var pod = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } named
            ? named
            : $"{app}-{version}-{Environment.ProcessId}";
        return new BookstoreOptions(app, version, args.Get("namespace", "bookstore")!, pod, upstreams);
    }

    /// <summary>Where to reach <paramref name="name"/>: its --upstream URL, else its in-mesh service name.</summary>
    public Uri Upstream(string name) =>
        Upstreams.TryGetValue(name, out var url) ? url : new Uri($"http://{name}.{Namespace}:8080");

    /// <summary>A new reply body carrying who answered; every bookstore response starts from this.</summary>
    public JsonObject NewReply() => new()
    {
        ["service"] = App,
        ["version"] = Version,
        ["namespace"] = Namespace,
        ["pod"] = Pod,
    };
}
