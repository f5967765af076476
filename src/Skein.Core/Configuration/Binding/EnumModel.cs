using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Skein.Core.Configuration;

/// <summary>Wire names of an enum: the [JsonStringEnumMemberName] when present, the member name otherwise.</summary>
internal sealed class EnumModel
{
    private static readonly ConcurrentDictionary<Type, EnumModel> Cache = new();
    private readonly Dictionary<string, object> _byName;

    private EnumModel(Type type)
    {
        var fields = type.GetFields(BindingFlags.Public | BindingFlags.Static);
        Names = fields.Select(WireName).ToArray();
        _byName = fields.ToDictionary(WireName, f => f.GetValue(null)!, StringComparer.Ordinal);
    }

    /// <summary>Wire names in declaration order.</summary>
    public IReadOnlyList<string> Names { get; }

    public static EnumModel For(Type type) => Cache.GetOrAdd(type, t => new EnumModel(t));

    public bool TryParse(string name, out object value) => _byName.TryGetValue(name, out value!);

    private static string WireName(FieldInfo field) =>
        field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
}
