using System.CommandLine;
using System.Net;

namespace Skein.Cli.Commands;

/// <summary>Option parsers shared by several subcommands.</summary>
internal static class CommonOptions
{
    public static IPAddress ParseAddress(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        result.AddError($"\"{text}\" is not an IP address");
        return IPAddress.None;
    }

    /// <summary>Accepts <c>host:port</c> or a full URL; xDS is plain HTTP/2 until the CA lands.</summary>
    public static Uri ParseControlAddress(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Port > 0)
        {
            return uri;
        }

        result.AddError($"\"{text}\" is not a control plane address (expected host:port)");
        return new Uri("http://invalid");
    }

    public static Option<int> Port(string name, int defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 1 or > 65535) { r.AddError($"{name} must be between 1 and 65535"); } } },
    };
}
