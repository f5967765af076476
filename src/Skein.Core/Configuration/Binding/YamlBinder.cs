using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using Skein.Core.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skein.Core.Configuration;

/// <summary>
/// Binds YAML nodes to model objects by reflection, reporting every mismatch with its position:
/// unknown keys (with suggestions), wrong node kinds, wrong scalar types, missing required fields
/// and the constraints declared on the model (range, format, allowed values, list sizes).
/// </summary>
internal sealed class YamlBinder(DocumentContext context)
{
    private static readonly YamlMappingNode EmptyMapping = new();

    /// <summary>Binds a mapping into an existing object, skipping keys the caller already handled.</summary>
    public void BindInto(YamlMappingNode mapping, object target, string path, IReadOnlySet<string> skipKeys) =>
        BindMembers(mapping, mapping.Start, target, path, skipKeys);

    private bool TryBind(YamlNode node, Type type, string path, PropertyModel? field, out object? value)
    {
        context.Record(path, node.Start);
        value = null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;

        if (underlying == typeof(string))
        {
            return TryBindString(node, path, field, out value);
        }

        if (underlying == typeof(int) || underlying == typeof(long))
        {
            return TryBindInteger(node, underlying, path, field, out value);
        }

        if (underlying == typeof(double))
        {
            return TryBindNumber(node, path, field, out value);
        }

        if (underlying == typeof(bool))
        {
            return TryBindBool(node, path, out value);
        }

        if (underlying == typeof(DateTimeOffset))
        {
            return TryBindTimestamp(node, path, out value);
        }

        if (underlying.IsEnum)
        {
            return TryBindEnum(node, underlying, path, out value);
        }

        if (underlying == typeof(IntOrString))
        {
            return TryBindIntOrString(node, path, out value);
        }

        if (typeof(JsonNode).IsAssignableFrom(underlying))
        {
            return TryBindJson(node, underlying, path, out value);
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
        {
            return TryBindList(node, underlying, path, field, out value);
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return TryBindDictionary(node, underlying, path, field, out value);
        }

        if (node is not YamlMappingNode mapping)
        {
            return Mismatch(node, path, "a mapping");
        }

        var target = Activator.CreateInstance(underlying)!;
        BindMembers(mapping, mapping.Start, target, path, null);
        value = target;
        return true;
    }

    private void BindMembers(YamlMappingNode mapping, Mark at, object target, string path, IReadOnlySet<string>? skipKeys)
    {
        var model = TypeModel.For(target.GetType());
        var present = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                context.Error(keyNode.Start, path, $"expected a field name, got {YamlScalars.Describe(keyNode)}");
                continue;
            }

            var childPath = FieldPath.Child(path, key);
            if (skipKeys?.Contains(key) == true || model.Ignored.Contains(key))
            {
                continue;
            }

            if (!model.ByName.TryGetValue(key, out var field))
            {
                context.Record(childPath, keyNode.Start);
                context.Error(keyNode.Start, childPath, UnknownField(key, model));
                continue;
            }

            if (YamlScalars.IsNull(valueNode))
            {
                // Explicit null means "not set", as in Kubernetes; required checks below still apply.
                context.Record(childPath, valueNode.Start);
                continue;
            }

            present.Add(key);
            using (field.Lenient ? context.Lenient() : null)
            {
                if (TryBind(valueNode, field.Type, childPath, field, out var value))
                {
                    field.Info.SetValue(target, value);
                }
            }
        }

        foreach (var field in model.Properties)
        {
            if (present.Contains(field.Name) || skipKeys?.Contains(field.Name) == true)
            {
                continue;
            }

            var childPath = FieldPath.Child(path, field.Name);
            if (field.Required)
            {
                // Cross-field rules would only repeat the problem against a default value.
                context.MarkBroken();
                context.Error(at, childPath, "required field is missing");
            }
            else if (field.ImpliedWhenAbsent)
            {
                var implied = field.Info.GetValue(target) ?? Activator.CreateInstance(field.Type)!;
                BindMembers(EmptyMapping, at, implied, childPath, null);
                field.Info.SetValue(target, implied);
            }
        }
    }

    private bool TryBindString(YamlNode node, string path, PropertyModel? field, out object? value)
    {
        value = null;
        if (node is not YamlScalarNode scalar)
        {
            return Mismatch(node, path, "a string");
        }

        var text = scalar.Value ?? "";
        var kind = YamlScalars.Classify(scalar);
        if (kind is ScalarKind.Null)
        {
            return Mismatch(node, path, "a string");
        }

        if (kind is not ScalarKind.String)
        {
            // kubectl rejects these too: an unquoted 1.0 or true is a number or boolean, not a string.
            var what = kind is ScalarKind.Bool ? "the boolean" : "the number";
            return Fail(node, path, $"expected a string, got {what} {text} (quote it to make it a string)");
        }

        value = text;
        CheckString(node.Start, path, field, text);
        return true;
    }

    private void CheckString(Mark at, string path, PropertyModel? field, string text)
    {
        if (field is null)
        {
            return;
        }

        if (field.Required && text.Length == 0)
        {
            context.Error(at, path, "must not be empty");
            return;
        }

        if (field.MaxLength is { } max && text.Length > max)
        {
            context.Error(at, path, $"must be at most {max} characters, got {text.Length}");
            return;
        }

        if (field.OneOf is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
        {
            context.Error(at, path, InvalidValue(YamlScalars.Quote(text), text, allowed, quoteAllowed: false));
            return;
        }

        if (field.Format is { } format && FormatRules.Check(format, text) is { } problem)
        {
            context.Error(at, path, problem);
        }
    }

    private bool TryBindInteger(YamlNode node, Type type, string path, PropertyModel? field, out object? value)
    {
        value = null;
        if (node is not YamlScalarNode scalar)
        {
            return Mismatch(node, path, "an integer");
        }

        var text = scalar.Value ?? "";
        var kind = YamlScalars.Classify(scalar);
        if (kind is ScalarKind.String && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return Fail(node, path, $"expected an integer, got the string {YamlScalars.Quote(text)} (remove the quotes)");
        }

        if (kind is not ScalarKind.Int || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return Mismatch(node, path, "an integer");
        }

        if (type == typeof(int) && number is < int.MinValue or > int.MaxValue)
        {
            return Fail(node, path, $"integer {text} is out of range");
        }

        CheckNumber(node.Start, path, field, number, text);
        value = type == typeof(int) ? (object)(int)number : number;
        return true;
    }

    private bool TryBindNumber(YamlNode node, string path, PropertyModel? field, out object? value)
    {
        value = null;
        if (node is not YamlScalarNode scalar
            || YamlScalars.Classify(scalar) is not (ScalarKind.Int or ScalarKind.Float)
            || !double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number))
        {
            return Mismatch(node, path, "a number");
        }

        CheckNumber(node.Start, path, field, number, scalar.Value!);
        value = number;
        return true;
    }

    private void CheckNumber(Mark at, string path, PropertyModel? field, double number, string text)
    {
        if (field?.Range is { } range && (number < range.Min || number > range.Max))
        {
            context.Error(at, path, $"must be between {Show(range.Min)} and {Show(range.Max)}, got {text}");
            return;
        }

        if (field?.OneOf is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
        {
            // No "did you mean" for numbers: 305 is not a typo of 301.
            context.Error(at, path, $"invalid value {text}: must be one of {string.Join(", ", allowed)}");
        }
    }

    private bool TryBindBool(YamlNode node, string path, out object? value)
    {
        value = null;
        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text })
        {
            if (text is "true" or "True" or "TRUE")
            {
                value = true;
                return true;
            }

            if (text is "false" or "False" or "FALSE")
            {
                value = false;
                return true;
            }
        }

        return Mismatch(node, path, "a boolean (true or false)");
    }

    private bool TryBindTimestamp(YamlNode node, string path, out object? value)
    {
        value = null;
        if (node is YamlScalarNode { Value: { } text }
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
        {
            value = timestamp;
            return true;
        }

        return Mismatch(node, path, "an RFC 3339 timestamp");
    }

    private bool TryBindEnum(YamlNode node, Type type, string path, out object? value)
    {
        value = null;
        var model = EnumModel.For(type);
        if (node is not YamlScalarNode { Value: { } text })
        {
            return Mismatch(node, path, "one of " + string.Join(", ", model.Names));
        }

        if (model.TryParse(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        return Fail(node, path, InvalidValue(YamlScalars.Quote(text), text, model.Names, quoteAllowed: false));
    }

    private bool TryBindIntOrString(YamlNode node, string path, out object? value)
    {
        value = null;
        if (node is not YamlScalarNode scalar || YamlScalars.Classify(scalar) is ScalarKind.Null or ScalarKind.Bool or ScalarKind.Float)
        {
            return Mismatch(node, path, "an integer or a string");
        }

        var text = scalar.Value ?? "";
        if (YamlScalars.Classify(scalar) is ScalarKind.Int)
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                return Fail(node, path, $"integer {text} is out of range");
            }

            value = new IntOrString(number);
            return true;
        }

        value = new IntOrString(text);
        return true;
    }

    private bool TryBindJson(YamlNode node, Type type, string path, out object? value)
    {
        value = null;
        if (type == typeof(JsonObject) && node is not YamlMappingNode)
        {
            return Mismatch(node, path, "a mapping");
        }

        if (type == typeof(JsonArray) && node is not YamlSequenceNode)
        {
            return Mismatch(node, path, "a list");
        }

        value = YamlJson.Convert(node);
        return true;
    }

    private bool TryBindList(YamlNode node, Type type, string path, PropertyModel? field, out object? value)
    {
        value = null;
        if (node is not YamlSequenceNode sequence)
        {
            return Mismatch(node, path, "a list");
        }

        var elementType = type.GetGenericArguments()[0];
        var list = (IList)Activator.CreateInstance(type)!;
        var index = 0;
        foreach (var item in sequence.Children)
        {
            if (TryBind(item, elementType, FieldPath.Index(path, index), field, out var element) && element is not null)
            {
                list.Add(element);
            }

            index++;
        }

        value = list;
        CheckCount(node.Start, path, field, sequence.Children.Count);
        return true;
    }

    private bool TryBindDictionary(YamlNode node, Type type, string path, PropertyModel? field, out object? value)
    {
        value = null;
        if (node is not YamlMappingNode mapping)
        {
            return Mismatch(node, path, "a mapping");
        }

        var valueType = type.GetGenericArguments()[1];
        var dictionary = (IDictionary)Activator.CreateInstance(type)!;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                context.Error(keyNode.Start, path, $"expected a string key, got {YamlScalars.Describe(keyNode)}");
                continue;
            }

            var entryPath = FieldPath.Key(path, key);
            if (valueType == typeof(string) && YamlScalars.IsNull(valueNode))
            {
                // "key:" with nothing after it is an empty value, as Kubernetes reads maps of strings.
                context.Record(entryPath, valueNode.Start);
                dictionary[key] = "";
                continue;
            }

            if (TryBind(valueNode, valueType, entryPath, field, out var entry) && entry is not null)
            {
                dictionary[key] = entry;
            }
        }

        value = dictionary;
        CheckCount(node.Start, path, field, mapping.Children.Count);
        return true;
    }

    private void CheckCount(Mark at, string path, PropertyModel? field, int count)
    {
        if (field?.MinItems is { } min && count < min)
        {
            context.Error(at, path, $"must have at least {Items(min)}");
            return;
        }

        if (field?.MaxItems is { } max && count > max)
        {
            context.Error(at, path, $"must have at most {Items(max)}, got {count}");
        }
    }

    private bool Mismatch(YamlNode node, string path, string expected) =>
        Fail(node, path, $"expected {expected}, got {YamlScalars.Describe(node)}");

    /// <summary>Reports a value that could not be bound at all; it is dropped, so the structure no longer matches the input.</summary>
    private bool Fail(YamlNode node, string path, string message)
    {
        context.MarkBroken();
        context.Error(node.Start, path, message);
        return false;
    }

    private static string UnknownField(string key, TypeModel model)
    {
        var suggestion = Suggestions.Closest(key, model.Properties.Select(p => p.Name));
        return suggestion is null
            ? $"unknown field {YamlScalars.Quote(key)}"
            : $"unknown field {YamlScalars.Quote(key)} (did you mean {YamlScalars.Quote(suggestion)}?)";
    }

    /// <summary>The message for a value outside a closed set, with a suggestion when one is close.</summary>
    internal static string InvalidValue(string shown, string raw, IReadOnlyList<string> allowed, bool quoteAllowed)
    {
        var list = string.Join(", ", quoteAllowed ? allowed.Select(YamlScalars.Quote) : allowed);
        var suggestion = Suggestions.Closest(raw, allowed);
        return suggestion is null
            ? $"invalid value {shown}: must be one of {list}"
            : $"invalid value {shown}: must be one of {list} (did you mean {YamlScalars.Quote(suggestion)}?)";
    }

    private static string Items(int count) => count == 1 ? "1 item" : $"{count} items";

    private static string Show(double value) =>
        value switch
        {
            int.MaxValue => "2147483647",
            _ => value.ToString("G", CultureInfo.InvariantCulture),
        };
}
