using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Configuration;

/// <summary>Converts an arbitrary YAML subtree to JSON, for opaque fields such as status.</summary>
internal static class YamlJson
{
    public static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => null,
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            result[(key as YamlScalarNode)?.Value ?? key.ToString()] = Convert(value);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        switch (YamlScalars.Classify(scalar))
        {
            case ScalarKind.Null:
                return null;
            case ScalarKind.Bool when text is "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case ScalarKind.Bool when text is "false" or "False" or "FALSE":
                return JsonValue.Create(false);
            case ScalarKind.Int when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                return JsonValue.Create(l);
            case ScalarKind.Float when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                return JsonValue.Create(d);
            default:
                return JsonValue.Create(text);
        }
    }
}
