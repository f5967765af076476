using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>Mints client certificates for negative tests: from the mesh root in a test's state directory, or from a foreign CA.</summary>
public sealed class TestPki(X509Certificate2 issuer, ECDsa issuerKey)
{
    public X509Certificate2 Root => issuer;

    public static TestPki FromState(string stateDir)
    {
        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(stateDir, "ca", "root-cert.pem")));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(stateDir, "ca", "root-key.pem")));
        return new TestPki(cert, key);
    }

    public static TestPki Foreign()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Foreign Root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return new TestPki(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)), key);
    }

    /// <summary>A leaf with its key, for <paramref name="id"/>, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public X509Certificate2 Issue(string id, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var san = SpiffeSanExtension.Create(SpiffeId.Parse(id));
        request.CertificateExtensions.Add(new X509Extension(san.Oid!, san.RawData, true));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = notAfter ?? DateTimeOffset.UtcNow.AddHours(1);
        using var cert = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), from, until, RandomNumberGenerator.GetBytes(8));
        return CertificateKeys.WithPrivateKey(cert, key);
    }

    /// <summary>Writes a certificate and its key as PEM files for foreign clients (node, openssl).</summary>
    public static (string Cert, string Key) WritePem(X509Certificate2 cert, string dir, string name)
    {
        var certPath = Path.Combine(dir, name + ".pem");
        var keyPath = Path.Combine(dir, name + "-key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
