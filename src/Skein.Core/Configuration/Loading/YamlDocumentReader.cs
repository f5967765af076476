using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Configuration;

/// <summary>Parses a YAML stream into documents, turning a syntax error into a positioned error while keeping the documents before it.</summary>
internal static class YamlDocumentReader
{
    public static IReadOnlyList<YamlDocument> Read(string text, string file, List<ConfigError> errors)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException e)
        {
            var (line, column) = Position(e, text);
            errors.Add(new ConfigError(file, line, column, ConfigError.DocumentField, "YAML syntax error: " + Describe(e)));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this for some malformed flow collections; the scanner position is still meaningful.
            var at = scanner.CurrentPosition;
            errors.Add(new ConfigError(file, checked((int)at.Line), checked((int)at.Column), ConfigError.DocumentField, "YAML syntax error: malformed flow collection (check brackets and braces)"));
        }

        return stream.Documents.ToArray();
    }

    private static (int Line, int Column) Position(YamlException e, string text)
    {
        // YamlDotNet reports a tab used for indentation at the start of the enclosing mapping; point at the tab instead.
        if (e.Message.Contains("tab as indentation", StringComparison.Ordinal))
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
                if (tab >= 0 && tab < indent)
                {
                    return (i + 1, tab + 1);
                }
            }
        }

        return (checked((int)e.Start.Line), checked((int)e.Start.Column));
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Lin: …, Col: …, Chr: …) - (…): "; the position is reported separately.
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Lin", StringComparison.Ordinal) && marker >= 0)
        {
            message = message[(marker + 3)..];
        }

        return message.TrimEnd('.');
    }
}
