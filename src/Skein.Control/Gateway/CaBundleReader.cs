using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Reads the CA bundle a ConfigMap holds under <c>ca.crt</c>, for BackendTLSPolicy and frontend client-certificate validation.</summary>
/// <remarks>
/// <c>data</c> holds PEM text. <c>binaryData</c> holds base64 bytes: PEM text, or one DER certificate (what
/// <c>kubectl create configmap --from-file</c> stores for a binary .der/.cer file). Every certificate is re-exported
/// as one PEM block, so proxies receive one format and a bundle that does not parse is reported here, at the reference.
/// </remarks>
public static class CaBundleReader
{
    /// <summary>The ConfigMap key holding the CA certificates.</summary>
    public const string Key = "ca.crt";

    /// <summary>
    /// The certificates under <see cref="Key"/> as PEM, one block each; null with <paramref name="problem"/> (a phrase
    /// to follow "ConfigMap ns/name") when the key is missing or holds no usable certificate.
    /// </summary>
    public static string? Read(ConfigMapResource configMap, out string problem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            problem = Import(configMap, certificates) ?? "";
            if (problem.Length > 0)
            {
                return null;
            }

            if (certificates.Count == 0)
            {
                problem = $"{Key} holds no PEM certificate";
                return null;
            }

            var pem = new StringBuilder();
            foreach (var certificate in certificates)
            {
                pem.Append(certificate.ExportCertificatePem()).Append('\n');
            }

            return pem.ToString();
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    // Fills certificates from data (PEM) or binaryData (base64 of PEM or DER); the problem when that fails.
    private static string? Import(ConfigMapResource configMap, X509Certificate2Collection certificates)
    {
        if (configMap.Data.TryGetValue(Key, out var text))
        {
            return ImportPem(text, certificates);
        }

        if (!configMap.BinaryData.TryGetValue(Key, out var encoded))
        {
            return $"has no {Key}";
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return $"binaryData {Key} is not base64";
        }

        var decoded = Encoding.UTF8.GetString(bytes);
        if (decoded.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return ImportPem(decoded, certificates);
        }

        try
        {
            certificates.Add(X509CertificateLoader.LoadCertificate(bytes));
            return null;
        }
        catch (CryptographicException e)
        {
            return $"binaryData {Key} is neither PEM nor a DER certificate: {e.Message}";
        }
    }

    private static string? ImportPem(string pem, X509Certificate2Collection certificates)
    {
        try
        {
            certificates.ImportFromPem(pem);
            return null;
        }
        catch (CryptographicException e)
        {
            return $"{Key} is not a valid PEM certificate bundle: {e.Message}";
        }
    }
}
