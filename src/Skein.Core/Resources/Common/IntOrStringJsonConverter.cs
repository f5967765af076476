using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Writes IntOrString as a JSON number or string, the way Kubernetes does.</summary>
internal sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    public override IntOrString? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => new IntOrString(reader.GetInt32()),
            JsonTokenType.String => new IntOrString(reader.GetString()!),
            JsonTokenType.Null => null,
            _ => throw new JsonException("expected a number or a string"),
        };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.Number is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value.Name);
        }
    }
}
