using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>Reads the X.509 fields an SVID check needs (URI SANs, basic constraints, key usage), strictly.</summary>
internal static class SvidCertificateFields
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string KeyUsageOid = "2.5.29.15";

    // GeneralName ::= CHOICE { ... uniformResourceIdentifier [6] IA5String ... }, implicitly tagged (RFC 5280 §4.2.1.6).
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>Reads the certificate's single URI SAN as a SPIFFE ID, classifying any failure.</summary>
    public static bool TryReadSpiffeId(X509Certificate2 cert, out SpiffeId id, out SvidFailureReason reason, out string error)
    {
        id = default;
        if (!TryFindSingle(cert, SubjectAltNameOid, "subject alternative name", out var san, out error))
        {
            reason = SvidFailureReason.MalformedExtension;
            return false;
        }

        if (san is null)
        {
            reason = SvidFailureReason.NoUriSan;
            error = "certificate has no subject alternative name extension, so no SPIFFE ID";
            return false;
        }

        List<string> uris;
        try
        {
            uris = ReadUris(san.RawData);
        }
        catch (AsnContentException ex)
        {
            reason = SvidFailureReason.MalformedExtension;
            error = $"subject alternative name extension is malformed: {ex.Message}";
            return false;
        }

        // Count before parsing: the spec says more than one URI SAN is a rejection on its own,
        // whether or not the extra URIs happen to be SPIFFE IDs.
        switch (uris.Count)
        {
            case 0:
                reason = SvidFailureReason.NoUriSan;
                error = "certificate has no URI subject alternative name, so no SPIFFE ID";
                return false;
            case > 1:
                reason = SvidFailureReason.MultipleUriSans;
                error = $"certificate has {uris.Count} URI subject alternative names; an X.509-SVID must have exactly one";
                return false;
        }

        if (!SpiffeId.TryParse(uris[0], out id, out var parseError))
        {
            reason = SvidFailureReason.InvalidSpiffeId;
            error = $"URI subject alternative name is not a valid SPIFFE ID: {parseError}";
            return false;
        }

        reason = SvidFailureReason.None;
        error = string.Empty;
        return true;
    }

    /// <summary>Reads basic constraints; <paramref name="isCa"/> is false when the extension is absent, as RFC 5280 defaults it.</summary>
    public static bool TryReadIsCa(X509Certificate2 cert, out bool isCa, out string error)
    {
        isCa = false;
        if (!TryFindSingle(cert, BasicConstraintsOid, "basic constraints", out var ext, out error))
        {
            return false;
        }

        if (ext is null)
        {
            return true;
        }

        try
        {
            isCa = new X509BasicConstraintsExtension(ext, ext.Critical).CertificateAuthority;
            return true;
        }
        catch (CryptographicException ex)
        {
            error = $"basic constraints extension is malformed: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads key usage; <paramref name="usages"/> is null when the extension is absent.</summary>
    public static bool TryReadKeyUsage(X509Certificate2 cert, out X509KeyUsageFlags? usages, out string error)
    {
        usages = null;
        if (!TryFindSingle(cert, KeyUsageOid, "key usage", out var ext, out error))
        {
            return false;
        }

        if (ext is null)
        {
            return true;
        }

        try
        {
            usages = new X509KeyUsageExtension(ext, ext.Critical).KeyUsages;
            return true;
        }
        catch (CryptographicException ex)
        {
            error = $"key usage extension is malformed: {ex.Message}";
            return false;
        }
    }

    internal static List<string> ReadUris(byte[] encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.DER);
        var names = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        var uris = new List<string>();
        while (names.HasData)
        {
            var tag = names.PeekTag();

            // Match on class and number only, so a (non-DER) constructed [6] is read and rejected
            // by the strict reader instead of being skipped, which would hide a second URI.
            if (tag.HasSameClassAndValue(UriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return uris;
    }

    // RFC 5280 §4.2 forbids repeating an extension; a second copy could carry a different
    // value than the one a TLS library looked at, so duplicates are treated as malformed.
    private static bool TryFindSingle(X509Certificate2 cert, string oid, string name, out X509Extension? found, out string error)
    {
        found = null;
        foreach (var ext in cert.Extensions)
        {
            if (ext.Oid?.Value != oid)
            {
                continue;
            }

            if (found is not null)
            {
                error = $"certificate has more than one {name} extension";
                return false;
            }

            found = ext;
        }

        error = string.Empty;
        return true;
    }
}
