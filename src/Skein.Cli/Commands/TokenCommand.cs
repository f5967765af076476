using System.CommandLine;
using Skein.Control.Ca;

namespace Skein.Cli.Commands;

/// <summary><c>skein token</c>: prints a node's join token, derived from the control plane's state directory.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var state = new Option<DirectoryInfo>("--state") { Description = "The control plane's state directory.", DefaultValueFactory = _ => new DirectoryInfo(".skein/state") };
        var node = new Option<string>("--node") { Description = "The node the token is for.", Required = true };
        var command = new Command("token", "Print the join token a node proxy presents to the control plane (give it as SKEIN_TOKEN or --token-file).") { state, node };
        command.SetAction(parse =>
        {
            try
            {
                Console.Out.WriteLine(JoinTokens.Load(parse.GetRequiredValue(state).FullName).TokenFor(parse.GetRequiredValue(node)));
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
