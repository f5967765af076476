using System.Text;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A Kubernetes Secret: base64 data (e.g. gateway certificates under tls.crt and tls.key).</summary>
public sealed class SecretResource : Resource
{
    /// <summary>The Secret type holding a certificate and its key.</summary>
    public const string TlsType = "kubernetes.io/tls";

    /// <summary>Creates an empty Opaque Secret.</summary>
    public SecretResource()
        : base(ApiVersions.CoreV1, "Secret")
    {
    }

    /// <summary>Secret type, e.g. Opaque or kubernetes.io/tls.</summary>
    public string Type { get; set; } = "Opaque";

    /// <summary>Values, base64-encoded.</summary>
    [Format(FieldFormat.Base64)]
    public Dictionary<string, string> Data { get; set; } = [];

    /// <summary>Values in plain text; they win over data entries with the same key, as in Kubernetes.</summary>
    public Dictionary<string, string> StringData { get; set; } = [];

    /// <summary>Whether the Secret may no longer change.</summary>
    public bool? Immutable { get; set; }

    /// <summary>Returns the decoded bytes for a key, or null when absent (or not valid base64).</summary>
    public byte[]? GetBytes(string key)
    {
        if (StringData.TryGetValue(key, out var text))
        {
            return Encoding.UTF8.GetBytes(text);
        }

        if (Data.TryGetValue(key, out var encoded))
        {
            try
            {
                return Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>The keys present in data or stringData.</summary>
    [JsonIgnore]
    public IEnumerable<string> Keys => Data.Keys.Union(StringData.Keys, StringComparer.Ordinal);
}
