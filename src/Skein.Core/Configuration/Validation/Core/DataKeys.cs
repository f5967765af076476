using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Shared key check for Secret and ConfigMap maps.</summary>
internal static class DataKeys
{
    public static void Validate(IEnumerable<string> keys, string path, DocumentContext context)
    {
        foreach (var key in keys)
        {
            if (FormatRules.Check(FieldFormat.ConfigKey, key) is { } problem)
            {
                context.Error(FieldPath.Key(path, key), problem);
            }
        }
    }
}
