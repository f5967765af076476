using System.CommandLine;
using Skein.Core.Configuration;

namespace Skein.Cli.Commands;

/// <summary><c>skein validate</c>: checks resource files without running anything.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or directories of YAML resources.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Validate resource files; prints every error as file:line:column: field: reason.") { paths };
        command.SetAction(parse =>
        {
            var inputs = parse.GetRequiredValue(paths);
            var result = ResourceLoader.LoadPaths(inputs);
            foreach (var error in result.Errors)
            {
                Console.Out.WriteLine(error.ToString());
            }

            if (!result.Ok)
            {
                Console.Out.WriteLine($"{result.Errors.Count} error(s); nothing was applied.");
                return 1;
            }

            Console.Out.WriteLine($"ok: {result.Resources.Count} resource(s) valid.");
            return 0;
        });
        return command;
    }
}
