using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Unit.Tests.Identity;

/// <summary>What a generated leaf certificate should look like; defaults describe a valid X.509-SVID.</summary>
internal sealed record LeafSpec
{
    public IReadOnlyList<string> Uris { get; init; } = ["spiffe://example.org/ns/shop/sa/web"];

    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>Null omits the basic constraints extension entirely.</summary>
    public bool? IsCa { get; init; } = false;

    /// <summary>Null omits the key usage extension entirely.</summary>
    public X509KeyUsageFlags? KeyUsage { get; init; } = X509KeyUsageFlags.DigitalSignature;

    /// <summary>When set, used verbatim as the SAN extension value instead of encoding Uris and DnsNames.</summary>
    public byte[]? RawSan { get; init; }

    /// <summary>False omits the SAN extension even if URIs or DNS names are given.</summary>
    public bool IncludeSan { get; init; } = true;

    public DateTimeOffset NotBefore { get; init; } = TestPki.Now.AddHours(-1);

    public DateTimeOffset NotAfter { get; init; } = TestPki.Now.AddHours(23);
}

/// <summary>Generates throwaway ECDSA P-256 CAs and SVIDs for tests, disposing them all at the end.</summary>
internal sealed class TestPki : IDisposable
{
    /// <summary>A fixed verification time, so tests do not depend on the wall clock.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<X509Certificate2> _created = [];

    /// <summary>A self-signed signing certificate whose SPIFFE ID is the bare trust domain, as X509-SVID §3.2 suggests.</summary>
    public X509Certificate2 CreateRoot(string trustDomain, string? subject = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(key, subject ?? $"CN={trustDomain} root", trustDomain);
        return Track(request.CreateSelfSigned(Now.AddDays(-30), Now.AddDays(365)));
    }

    /// <summary>A signing certificate issued by <paramref name="issuer"/>, returned with its private key so it can issue leaves.</summary>
    public X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string trustDomain, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(key, $"CN={trustDomain} intermediate", trustDomain);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var cert = Sign(request, issuer, notBefore ?? Now.AddDays(-10), notAfter ?? Now.AddDays(100));
        return Track(cert.CopyWithPrivateKey(key));
    }

    /// <summary>A leaf issued by <paramref name="issuer"/>, shaped by <paramref name="spec"/>; returned with its private key.</summary>
    public X509Certificate2 CreateLeaf(X509Certificate2 issuer, LeafSpec? spec = null)
    {
        spec ??= new LeafSpec();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256);
        if (spec.IsCa is { } isCa)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        }

        if (spec.KeyUsage is { } usage)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }

        if (spec.IncludeSan)
        {
            request.CertificateExtensions.Add(spec.RawSan is { } raw
                ? new X509Extension("2.5.29.17", raw, false)
                : SubjectAltName(spec.Uris, spec.DnsNames));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var cert = Sign(request, issuer, spec.NotBefore, spec.NotAfter);
        return Track(cert.CopyWithPrivateKey(key));
    }

    /// <summary>A bundle set holding one root per trust domain.</summary>
    public static TrustBundleSet Bundles(params (string TrustDomain, X509Certificate2 Root)[] entries)
    {
        var set = new TrustBundleSet();
        foreach (var (td, root) in entries)
        {
            set.Set(td, [root]);
        }

        return set;
    }

    public void Dispose()
    {
        foreach (var cert in _created)
        {
            cert.Dispose();
        }
    }

    private static CertificateRequest CaRequest(ECDsa key, string subject, string trustDomain)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(SubjectAltName([$"spiffe://{trustDomain}"], []));
        return request;
    }

    // Encodes GeneralNames by hand because SubjectAlternativeNameBuilder.AddUri goes through
    // System.Uri, which rewrites the text ("spiffe://td" gains a trailing '/', ".." segments vanish),
    // and the tests need the exact, sometimes invalid, strings on the wire.
    private static X509Extension SubjectAltName(IReadOnlyList<string> uris, IReadOnlyList<string> dnsNames)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var dns in dnsNames)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
            }

            foreach (var uri in uris)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
            }
        }

        return new X509Extension("2.5.29.17", writer.Encode(), false);
    }

    // Signs with the issuer's key directly (not CertificateRequest.Create(issuerCert, ...)), because
    // that overload refuses non-CA issuers and out-of-window dates, which the negative tests need.
    private static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var issuerKey = issuer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("issuer has no ECDSA private key");
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
    }

    private X509Certificate2 Track(X509Certificate2 cert)
    {
        _created.Add(cert);
        return cert;
    }
}
