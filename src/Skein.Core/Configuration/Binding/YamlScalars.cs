using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Configuration;

/// <summary>What a YAML scalar resolves to, following YAML 1.1/1.2 plain-scalar rules as Kubernetes tooling reads them.</summary>
internal enum ScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>Classifies and describes YAML nodes for type checks and error messages.</summary>
internal static partial class YamlScalars
{
    private const string StrTag = "tag:yaml.org,2002:str";

    public static ScalarKind Classify(YamlScalarNode node)
    {
        // Quoted and block scalars are always strings; only plain scalars are typed by their text.
        if (node.Style != ScalarStyle.Plain || (!node.Tag.IsEmpty && node.Tag.Value == StrTag))
        {
            return ScalarKind.String;
        }

        var text = node.Value ?? "";
        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => ScalarKind.Null,
            "true" or "True" or "TRUE" or "false" or "False" or "FALSE" => ScalarKind.Bool,

            // YAML 1.1 booleans: kubectl's parser still reads these as booleans, so they are not strings.
            "yes" or "Yes" or "YES" or "no" or "No" or "NO" or "on" or "On" or "ON" or "off" or "Off" or "OFF" => ScalarKind.Bool,
            _ when IntPattern().IsMatch(text) => ScalarKind.Int,
            _ when FloatPattern().IsMatch(text) => ScalarKind.Float,
            _ => ScalarKind.String,
        };
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar && Classify(scalar) == ScalarKind.Null;

    /// <summary>A short description of a node for "got …" messages.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when Classify(s) == ScalarKind.Null => "null",
        YamlScalarNode s => Quote(s.Value ?? ""),
        _ => "an alias",
    };

    /// <summary>A value quoted for messages, shortened when very long.</summary>
    public static string Quote(string value)
    {
        var shown = value.Length > 80 ? value[..77] + "..." : value;
        return "\"" + shown.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }

    [GeneratedRegex(@"^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
