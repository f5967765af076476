using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Skein.Core.Identity;

/// <summary>Encodes and decodes the SPIFFE bundle format: a JWK Set (RFC 7517) with <c>spiffe_sequence</c> and <c>spiffe_refresh_hint</c>.</summary>
/// <remarks>
/// Hand-written over System.Text.Json because no JOSE library in the allowed set knows the SPIFFE
/// members, and because the rules that matter here are SPIFFE's: an <c>x509-svid</c> key carries exactly
/// one CA certificate in <c>x5c</c>, keys of other uses are skipped, and a bundle without any X.509
/// authority is refused rather than treated as "trust nothing".
/// </remarks>
public static class SpiffeBundleJson
{
    public const string X509SvidUse = "x509-svid";
    public const string JwtSvidUse = "jwt-svid";
    public const string MediaType = "application/json";

    /// <summary>Largest document accepted from a peer; a bundle is a few KiB, anything near this is not one.</summary>
    public const int MaxDocumentBytes = 1 << 20;

    /// <summary>Writes <paramref name="bundle"/> as a SPIFFE JWK Set.</summary>
    public static byte[] Encode(SpiffeBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            foreach (var root in bundle.Roots)
            {
                WriteKey(json, root);
            }

            json.WriteEndArray();
            if (bundle.Sequence is { } sequence)
            {
                json.WriteNumber("spiffe_sequence", sequence);
            }

            if (bundle.RefreshHint is { } hint)
            {
                json.WriteNumber("spiffe_refresh_hint", (long)Math.Max(1, hint.TotalSeconds));
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a SPIFFE JWK Set; throws <see cref="SpiffeBundleFormatException"/> with the reason when it is unusable.</summary>
    public static SpiffeBundle Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxDocumentBytes)
        {
            throw new SpiffeBundleFormatException($"the bundle is larger than {MaxDocumentBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SpiffeBundleFormatException($"the bundle is not JSON: {e.Message}");
        }

        using (document)
        {
            var top = document.RootElement;
            if (top.ValueKind != JsonValueKind.Object)
            {
                throw new SpiffeBundleFormatException("the bundle is not a JSON object");
            }

            if (!top.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new SpiffeBundleFormatException("\"keys\" is missing or not an array");
            }

            var roots = new List<X509Certificate2>();
            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                var root = ReadKey(key, index++);
                if (root is not null)
                {
                    roots.Add(root);
                }
            }

            if (roots.Count == 0)
            {
                throw new SpiffeBundleFormatException("the bundle has no \"x509-svid\" key: it could verify no X.509-SVID");
            }

            ulong? sequence = null;
            if (top.TryGetProperty("spiffe_sequence", out var seq))
            {
                sequence = seq.ValueKind == JsonValueKind.Number && seq.TryGetUInt64(out var s)
                    ? s
                    : throw new SpiffeBundleFormatException("\"spiffe_sequence\" is not an unsigned integer");
            }

            TimeSpan? hint = null;
            if (top.TryGetProperty("spiffe_refresh_hint", out var refresh))
            {
                hint = refresh.ValueKind == JsonValueKind.Number && refresh.TryGetInt64(out var seconds) && seconds > 0
                    ? TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(365).TotalSeconds))
                    : throw new SpiffeBundleFormatException("\"spiffe_refresh_hint\" is not a positive integer number of seconds");
            }

            return new SpiffeBundle(roots, sequence, hint);
        }
    }

    private static void WriteKey(Utf8JsonWriter json, X509Certificate2 root)
    {
        json.WriteStartObject();
        json.WriteString("use", X509SvidUse);
        using (var ec = root.GetECDsaPublicKey())
        {
            if (ec is not null)
            {
                var parameters = ec.ExportParameters(false);
                json.WriteString("kty", "EC");
                json.WriteString("crv", CurveName(parameters.Curve));
                json.WriteString("x", Base64Url.EncodeToString(parameters.Q.X));
                json.WriteString("y", Base64Url.EncodeToString(parameters.Q.Y));
            }
        }

        using (var rsa = root.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                var parameters = rsa.ExportParameters(false);
                json.WriteString("kty", "RSA");
                json.WriteString("n", Base64Url.EncodeToString(parameters.Modulus));
                json.WriteString("e", Base64Url.EncodeToString(parameters.Exponent));
            }
        }

        json.WriteStartArray("x5c");
        json.WriteStringValue(Convert.ToBase64String(root.RawData)); // x5c is standard base64, not base64url (RFC 7517 §4.7)
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string CurveName(ECCurve curve) => curve.Oid?.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        _ => throw new NotSupportedException($"curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value} has no JWK name"),
    };

    /// <summary>The root of an <c>x509-svid</c> key, or null for keys of other uses (SPIFFE: ignore them).</summary>
    private static X509Certificate2? ReadKey(JsonElement key, int index)
    {
        var at = $"keys[{index.ToString(CultureInfo.InvariantCulture)}]";
        if (key.ValueKind != JsonValueKind.Object)
        {
            throw new SpiffeBundleFormatException($"{at} is not an object");
        }

        if (!key.TryGetProperty("use", out var use) || use.ValueKind != JsonValueKind.String)
        {
            throw new SpiffeBundleFormatException($"{at}: \"use\" is missing (SPIFFE bundles require \"x509-svid\" or \"jwt-svid\")");
        }

        if (use.GetString() != X509SvidUse)
        {
            return null;
        }

        if (!key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
        {
            throw new SpiffeBundleFormatException($"{at}: \"kty\" is missing");
        }

        if (!key.TryGetProperty("x5c", out var x5c) || x5c.ValueKind != JsonValueKind.Array)
        {
            throw new SpiffeBundleFormatException($"{at}: an x509-svid key needs \"x5c\" with its CA certificate");
        }

        if (x5c.GetArrayLength() != 1 || x5c[0].ValueKind != JsonValueKind.String)
        {
            throw new SpiffeBundleFormatException($"{at}: \"x5c\" must hold exactly one certificate, got {x5c.GetArrayLength()}");
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(x5c[0].GetString()!);
        }
        catch (FormatException)
        {
            throw new SpiffeBundleFormatException($"{at}: \"x5c\"[0] is not base64");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException e)
        {
            throw new SpiffeBundleFormatException($"{at}: \"x5c\"[0] is not a DER certificate: {e.Message}");
        }

        var subject = certificate.Subject;
        var keyType = KeyType(certificate);
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            certificate.Dispose();
            throw new SpiffeBundleFormatException($"{at}: the certificate \"{subject}\" is not a CA certificate");
        }

        if (keyType is not null && kty.GetString() != keyType)
        {
            certificate.Dispose();
            throw new SpiffeBundleFormatException($"{at}: \"kty\" is {kty.GetString()} but the certificate's key is {keyType}");
        }

        return certificate;
    }

    private static string? KeyType(X509Certificate2 certificate)
    {
        using (var ec = certificate.GetECDsaPublicKey())
        {
            if (ec is not null)
            {
                return "EC";
            }
        }

        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null ? "RSA" : null;
    }
}
