using System.Text.Json.Nodes;
using Skein.Core.Resources;
using YamlDotNet.Serialization;

namespace Skein.Core.Configuration;

/// <summary>CustomResourceDefinitions for the skein.dev kinds, with OpenAPI v3 schemas derived from the same model the loader binds.</summary>
/// <remarks>
/// The schema is structural (types, enums, required fields, ranges, list sizes), so the API server prunes unknown
/// fields and rejects wrongly typed ones at admission; cross-field rules stay in Skein's validators, which report
/// them as config errors naming the object. deploy/crds/skein.dev.yaml is this output (a test keeps them equal).
/// </remarks>
public static class CustomResourceDefinitions
{
    /// <summary>All skein.dev CRDs as one multi-document YAML text.</summary>
    public static string RenderYaml()
    {
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().Build();
        var documents = ResourceKinds.All
            .Where(k => k.PreferredApiVersion.StartsWith(ApiVersions.SkeinGroup + "/", StringComparison.Ordinal))
            .Select(k => serializer.Serialize(ToPlain(For(k))));
        return "# Generated from src/Skein.Core/Resources by CustomResourceDefinitions; do not edit.\n# Regenerate: SKEIN_UPDATE_CRDS=1 dotnet test tests/Skein.Core.Tests --filter CustomResourceDefinitionTests\n"
            + string.Join("---\n", documents);
    }

    public static JsonObject For(ResourceKindInfo kind)
    {
        var (group, version) = kind.PreferredApiVersion.Split('/') is [var g, var v] ? (g, v) : ("", kind.PreferredApiVersion);
        var plural = Plural(kind.Kind);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = SchemaOf(kind.ClrType.GetProperty("Spec")!.PropertyType, []),
                ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
            },
        };
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}", ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = "skein" } },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["names"] = new JsonObject
                {
                    ["kind"] = kind.Kind,
                    ["listKind"] = kind.Kind + "List",
                    ["plural"] = plural,
                    ["singular"] = kind.Kind.ToLowerInvariant(),
                    ["categories"] = new JsonArray("skein"),
                },
                ["scope"] = kind.IsNamespaced ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = version,
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = schema },
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                }),
            },
        };
    }

    /// <summary>English plural of a kind, as Kubernetes resource names are (policy → policies, telemetry → telemetries).</summary>
    public static string Plural(string kind)
    {
        var lower = kind.ToLowerInvariant();
        return lower.EndsWith('y') ? lower[..^1] + "ies" : lower.EndsWith('s') ? lower + "es" : lower + "s";
    }

    private static JsonObject SchemaOf(Type type, HashSet<Type> visiting, PropertyModel? field = null)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        JsonObject schema;
        if (underlying == typeof(string))
        {
            schema = new JsonObject { ["type"] = "string" };
            if (field?.OneOf is { } values)
            {
                schema["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]);
            }

            if (field?.MaxLength is { } max)
            {
                schema["maxLength"] = max;
            }
        }
        else if (underlying == typeof(int) || underlying == typeof(long))
        {
            schema = new JsonObject { ["type"] = "integer" };
            if (underlying == typeof(long))
            {
                schema["format"] = "int64";
            }

            if (field?.Range is { } range)
            {
                schema["minimum"] = (long)range.Min;
                schema["maximum"] = (long)range.Max;
            }
        }
        else if (underlying == typeof(double))
        {
            schema = new JsonObject { ["type"] = "number" };
            if (field?.Range is { } range)
            {
                schema["minimum"] = range.Min;
                schema["maximum"] = range.Max;
            }
        }
        else if (underlying == typeof(bool))
        {
            schema = new JsonObject { ["type"] = "boolean" };
        }
        else if (underlying == typeof(DateTimeOffset))
        {
            schema = new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }
        else if (underlying.IsEnum)
        {
            schema = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. EnumModel.For(underlying).Names.Select(n => (JsonNode)n)]) };
        }
        else if (underlying == typeof(IntOrString))
        {
            schema = new JsonObject { ["x-kubernetes-int-or-string"] = true };
        }
        else if (typeof(JsonArray).IsAssignableFrom(underlying))
        {
            schema = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["x-kubernetes-preserve-unknown-fields"] = true } };
        }
        else if (typeof(JsonNode).IsAssignableFrom(underlying))
        {
            schema = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }
        else if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
        {
            // Per-item constraints (formats, allowed values) are declared on the list property and apply to each item.
            schema = new JsonObject { ["type"] = "array", ["items"] = SchemaOf(underlying.GetGenericArguments()[0], visiting, field) };
            if (field?.MinItems is { } min)
            {
                schema["minItems"] = min;
            }

            if (field?.MaxItems is { } max)
            {
                schema["maxItems"] = max;
            }
        }
        else if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = SchemaOf(underlying.GetGenericArguments()[1], visiting) };
        }
        else if (!visiting.Add(underlying))
        {
            // A recursive type: structural schemas cannot recurse, so the nested level is left to Skein's validation.
            schema = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }
        else
        {
            var model = TypeModel.For(underlying);
            var properties = new JsonObject();
            foreach (var property in model.Properties)
            {
                properties[property.Name] = SchemaOf(property.Type, visiting, property);
            }

            schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
            var required = model.Properties.Where(p => p.Required).Select(p => (JsonNode)p.Name).ToArray();
            if (required.Length > 0)
            {
                schema["required"] = new JsonArray(required);
            }

            visiting.Remove(underlying);
        }

        return schema;
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v => v.GetValue<string>(),
        _ => null,
    };
}
