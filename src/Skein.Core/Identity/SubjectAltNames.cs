using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>Name checks on a peer certificate's Subject Alternative Names (DNS and URI entries), as TLS clients verify them.</summary>
public static class SubjectAltNames
{
    /// <summary>
    /// True when the certificate carries one of <paramref name="dnsNames"/> (a "*." entry in the certificate covers
    /// exactly one leftmost label, RFC 6125 §6.4.3) or one of <paramref name="uris"/> (exact match). The subject
    /// CN is never consulted (RFC 6125 §6.4.4: not when SANs exist, and modern clients not at all).
    /// </summary>
    public static bool Matches(X509Certificate2 certificate, IEnumerable<string> dnsNames, IEnumerable<string> uris)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var presented = extension.EnumerateDnsNames().ToList();
        if (dnsNames.Any(wanted => presented.Any(p => DnsMatches(p, wanted))))
        {
            return true;
        }

        List<string> presentedUris;
        try
        {
            presentedUris = SvidCertificateFields.ReadUris(extension.RawData);
        }
        catch (AsnContentException)
        {
            return false;
        }

        return uris.Any(u => presentedUris.Contains(u, StringComparer.Ordinal));
    }

    /// <summary>Whether the certificate's DNS name <paramref name="presented"/> covers <paramref name="wanted"/>.</summary>
    public static bool DnsMatches(string presented, string wanted)
    {
        presented = presented.TrimEnd('.');
        wanted = wanted.TrimEnd('.');
        if (presented.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = wanted.IndexOf('.');
            return dot > 0 && wanted[(dot + 1)..].Equals(presented[2..], StringComparison.OrdinalIgnoreCase);
        }

        return presented.Equals(wanted, StringComparison.OrdinalIgnoreCase);
    }
}
