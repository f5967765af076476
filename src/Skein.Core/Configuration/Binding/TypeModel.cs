using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>The bindable fields of a model class, keyed by their exact camelCase wire names.</summary>
internal sealed class TypeModel
{
    private static readonly ConcurrentDictionary<Type, TypeModel> Cache = new();

    private TypeModel(Type type)
    {
        Type = type;
        var nullability = new NullabilityInfoContext();

        // Base-class fields first, each class in declaration order, so suggestions and docs read naturally.
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            chain.Insert(0, t);
        }

        Properties = chain
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .OrderBy(p => p.MetadataToken))
            // Only settable, serialized properties are input fields; computed ones (kind, key) are not.
            .Where(p => p.GetIndexParameters().Length == 0
                && p.SetMethod is { IsPublic: true }
                && p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
            .Select(p => new PropertyModel(p, WireName(p), nullability))
            .ToArray();
        ByName = Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Ignored = new HashSet<string>(type.GetCustomAttribute<IgnoredFieldsAttribute>()?.Names ?? [], StringComparer.Ordinal);
    }

    public Type Type { get; }

    public IReadOnlyList<PropertyModel> Properties { get; }

    public IReadOnlyDictionary<string, PropertyModel> ByName { get; }

    /// <summary>Keys accepted and dropped.</summary>
    public IReadOnlySet<string> Ignored { get; }

    public static TypeModel For(Type type) => Cache.GetOrAdd(type, t => new TypeModel(t));

    /// <summary>The JSON/YAML name of a property: [JsonPropertyName] or camelCase, so YAML input and JSON output agree.</summary>
    public static string WireName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
}

/// <summary>One bindable (publicly settable) field with its constraints.</summary>
internal sealed class PropertyModel
{
    public PropertyModel(PropertyInfo info, string name, NullabilityInfoContext nullability)
    {
        Info = info;
        Name = name;
        Type = info.PropertyType;
        Required = info.IsDefined(typeof(RequiredAttribute));
        Lenient = info.IsDefined(typeof(LenientAttribute));
        Range = info.GetCustomAttribute<RangeAttribute>();
        Format = info.GetCustomAttribute<FormatAttribute>()?.Format;
        OneOf = info.GetCustomAttribute<OneOfAttribute>()?.Values;
        MinItems = info.GetCustomAttribute<MinItemsAttribute>()?.Count;
        MaxItems = info.GetCustomAttribute<MaxItemsAttribute>()?.Count;
        MaxLength = info.GetCustomAttribute<MaxLengthAttribute>()?.Length;

        // A non-nullable nested object (spec, metadata) exists even when its key is absent, so its own
        // required fields still have to be reported.
        ImpliedWhenAbsent = IsPlainClass(Type)
            && nullability.Create(info).WriteState == NullabilityState.NotNull;
    }

    public PropertyInfo Info { get; }

    public string Name { get; }

    public Type Type { get; }

    public bool Required { get; }

    public bool Lenient { get; }

    public bool ImpliedWhenAbsent { get; }

    public RangeAttribute? Range { get; }

    public FieldFormat? Format { get; }

    public IReadOnlyList<string>? OneOf { get; }

    public int? MinItems { get; }

    public int? MaxItems { get; }

    public int? MaxLength { get; }

    public static bool IsPlainClass(Type type) =>
        type.IsClass
        && type != typeof(string)
        && type != typeof(IntOrString)
        && !typeof(System.Text.Json.Nodes.JsonNode).IsAssignableFrom(type)
        && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);
}
