using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Header modifier and mirror rules shared by HTTPRoute and GRPCRoute filters.</summary>
internal static class HeaderFilterRules
{
    public static void ValidateHeaderFilter(HTTPHeaderFilter filter, string path, DocumentContext context)
    {
        // One action per header name (names compare case-insensitively).
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Check(filter.Set.Select(h => h.Name), "set");
        Check(filter.Add.Select(h => h.Name), "add");
        Check(filter.Remove, "remove");

        void Check(IEnumerable<string> names, string list)
        {
            var index = 0;
            foreach (var name in names)
            {
                var itemPath = FieldPath.Index(FieldPath.Child(path, list), index++);
                if (!seen.TryAdd(name, itemPath))
                {
                    context.Error(itemPath, $"header {YamlScalars.Quote(name)} already has an action at {seen[name]}");
                }
            }
        }
    }

    public static void ValidateMirror(HTTPRequestMirrorFilter mirror, string path, DocumentContext context)
    {
        RouteRules.ValidateBackendRef(mirror.BackendRef, FieldPath.Child(path, "backendRef"), context);
        if (mirror.Percent is not null && mirror.Fraction is not null)
        {
            context.Error(FieldPath.Child(path, "fraction"), "percent and fraction are mutually exclusive");
        }

        if (mirror.Fraction is { } fraction && fraction.Numerator > fraction.Denominator)
        {
            context.Error(FieldPath.Child(path, "fraction.numerator"), $"must not exceed the denominator ({fraction.Denominator})");
        }
    }

    /// <summary>The filter's settings field must be set exactly when the type names it.</summary>
    public static void ValidateUnion(string type, IReadOnlyList<(string Field, string Type, bool IsSet)> members, string path, DocumentContext context)
    {
        foreach (var (field, memberType, isSet) in members)
        {
            if (memberType == type && !isSet)
            {
                context.Error(FieldPath.Child(path, field), $"required when type is {type}");
            }
            else if (memberType != type && isSet)
            {
                context.Error(FieldPath.Child(path, field), $"must not be set when type is {type}");
            }
        }
    }
}
