using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Secret rules: key syntax and the keys a kubernetes.io/tls Secret must have.</summary>
internal static class SecretValidator
{
    public static void Validate(SecretResource secret, DocumentContext context)
    {
        DataKeys.Validate(secret.Data.Keys, "data", context);
        DataKeys.Validate(secret.StringData.Keys, "stringData", context);

        if (secret.Type == SecretResource.TlsType)
        {
            var keys = secret.Keys.ToHashSet(StringComparer.Ordinal);
            var missing = new[] { "tls.crt", "tls.key" }.Where(k => !keys.Contains(k)).ToArray();
            if (missing.Length > 0)
            {
                context.Error("data", $"a {SecretResource.TlsType} Secret needs the keys tls.crt and tls.key (missing: {string.Join(", ", missing)})");
            }
        }
    }
}
