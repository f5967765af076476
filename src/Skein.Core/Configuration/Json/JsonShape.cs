using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Skein.Core.Configuration;

/// <summary>Contract tweaks so JSON output looks like what Kubernetes prints.</summary>
internal static class JsonShape
{
    /// <summary>Empty lists and maps are left out, as Go's omitempty does.</summary>
    public static void OmitEmptyCollections(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in info.Properties)
        {
            if (typeof(ICollection).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = (_, value) => value is ICollection { Count: > 0 };
            }
        }
    }

    /// <summary>Inherited fields come before the derived type's own (a backendRef's name before its filters).</summary>
    public static void BaseMembersFirst(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Properties.Count < 2)
        {
            return;
        }

        var ordered = info.Properties
            .Select((property, index) => (property, index))
            .OrderBy(p => p.property.Order)
            .ThenBy(p => Depth((p.property.AttributeProvider as MemberInfo)?.DeclaringType))
            .ThenBy(p => p.index)
            .Select(p => p.property)
            .ToArray();
        info.Properties.Clear();
        foreach (var property in ordered)
        {
            info.Properties.Add(property);
        }
    }

    private static int Depth(Type? type)
    {
        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType)
        {
            depth++;
        }

        return depth;
    }
}
