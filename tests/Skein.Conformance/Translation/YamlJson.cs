using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Translation;

/// <summary>Converts one manifest document between YAML nodes and JSON (for merge patches and address substitution).</summary>
public static class YamlJson
{
    /// <summary>
    /// The JSON form of <paramref name="node"/>. Plain scalars follow YAML 1.2's core schema (null, booleans, integers,
    /// floats); quoted scalars stay strings, as the control plane reads them.
    /// </summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain or ScalarStyle.Any => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new FormatException($"line {node.Start.Line}: aliases are not supported in a patched document"),
    };

    /// <summary>YAML text (block style, one document, no "---") for <paramref name="json"/>; strings are double-quoted.</summary>
    public static string ToYamlText(JsonNode json)
    {
        var stream = new YamlStream(new YamlDocument(ToYaml(json)));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        // The emitter closes the document with "..."; documents here are joined with "---" by the caller.
        var lines = writer.ToString().Split('\n').Where(l => l.TrimEnd() != "...").ToList();
        return string.Join('\n', lines).TrimEnd('\n') + "\n";
    }

    private static YamlNode ToYaml(JsonNode? node) => node switch
    {
        JsonObject obj => new YamlMappingNode(obj.Select(p => KeyValuePair.Create<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToYaml(p.Value)))),
        JsonArray array => new YamlSequenceNode(array.Select(ToYaml)),
        JsonValue value when value.TryGetValue<string>(out var s) => new YamlScalarNode(s) { Style = ScalarStyle.DoubleQuoted },
        null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        _ => new YamlScalarNode(node.ToJsonString()) { Style = ScalarStyle.Plain },
    };

    private static JsonNode? Plain(string value) => value switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && char.IsDigit(value[^1]) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };
}
