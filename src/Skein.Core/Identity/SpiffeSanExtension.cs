using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>Builds the subjectAltName extension of an X.509-SVID with the SPIFFE ID written byte for byte.</summary>
/// <remarks>
/// SubjectAlternativeNameBuilder.AddUri round-trips through System.Uri, which rewrites the text
/// (<c>spiffe://td</c> becomes <c>spiffe://td/</c>, dot segments vanish); an SVID must carry the ID exactly.
/// </remarks>
public static class SpiffeSanExtension
{
    public static X509Extension Create(SpiffeId id, IEnumerable<string>? dnsNames = null, IEnumerable<IPAddress>? addresses = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var dns in dnsNames ?? [])
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
            }

            writer.WriteCharacterString(UniversalTagNumber.IA5String, id.ToString(), new Asn1Tag(TagClass.ContextSpecific, 6));
            foreach (var ip in addresses ?? [])
            {
                writer.WriteOctetString(ip.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
            }
        }

        return new X509Extension("2.5.29.17", writer.Encode(), critical: false);
    }
}
