using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>ConfigMap rules: key syntax, and a key may not be in both data and binaryData.</summary>
internal static class ConfigMapValidator
{
    public static void Validate(ConfigMapResource configMap, DocumentContext context)
    {
        DataKeys.Validate(configMap.Data.Keys, "data", context);
        DataKeys.Validate(configMap.BinaryData.Keys, "binaryData", context);
        foreach (var key in configMap.BinaryData.Keys.Where(configMap.Data.ContainsKey))
        {
            context.Error(FieldPath.Key("binaryData", key), $"key {YamlScalars.Quote(key)} is also in data");
        }
    }
}
