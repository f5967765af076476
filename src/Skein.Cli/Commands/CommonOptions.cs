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

    /// <summary>Accepts <c>host:port</c> or a full URL; the control plane always speaks TLS.</summary>
    public static Uri ParseControlAddress(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Port > 0)
        {
            return uri;
        }

        result.AddError($"\"{text}\" is not a control plane address (expected host:port or https://host:port)");
        return new Uri("https://invalid");
    }

    public static Option<int> Port(string name, int defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 1 or > 65535) { r.AddError($"{name} must be between 1 and 65535"); } } },
    };
}
