using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Hbone.Tests;

/// <summary>An ECDSA P-256 CA with a server and a client certificate, made fresh for the test run.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Lazy<TestCertificates> SharedInstance = new(() =>
    {
        var certificates = new TestCertificates();
        // Shared for the whole run, so the PEM files for node are removed when the test process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => certificates.Dispose();
        return certificates;
    });

    public static TestCertificates Shared => SharedInstance.Value;

    private TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Skein Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        // One clock reading for every certificate: a leaf must never outlive its issuer.
        var now = DateTimeOffset.UtcNow;
        using var caCert = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        Ca = Reload(caCert);

        Server = Issue(caCert, now, "CN=hbone-server", san =>
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        });
        Client = Issue(caCert, now, "CN=hbone-client", san => san.AddUri(new Uri("spiffe://cluster.local/ns/default/sa/client")));

        Directory = Path.Combine(Path.GetTempPath(), "skein-hbone-certs-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(CaPem, Ca.ExportCertificatePem());
        File.WriteAllText(ServerCertPem, Server.ExportCertificatePem());
        File.WriteAllText(ServerKeyPem, Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ClientCertPem, Client.ExportCertificatePem());
        File.WriteAllText(ClientKeyPem, Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string Directory { get; }

    public string CaPem => Path.Combine(Directory, "ca.pem");

    public string ServerCertPem => Path.Combine(Directory, "server.pem");

    public string ServerKeyPem => Path.Combine(Directory, "server-key.pem");

    public string ClientCertPem => Path.Combine(Directory, "client.pem");

    public string ClientKeyPem => Path.Combine(Directory, "client-key.pem");

    /// <summary>Accepts a peer certificate only if it chains to the test CA.</summary>
    public bool ValidatePeer(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var cert = new X509Certificate2(certificate);
        return chain.Build(cert);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, DateTimeOffset now, string subject, Action<SubjectAlternativeNameBuilder> addNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        addNames(san);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, now.AddMinutes(-4), now.AddHours(23), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    // Round-trips through PKCS#12 so the private key is a persisted one every platform's TLS stack accepts.
    private static X509Certificate2 Reload(X509Certificate2 certificate)
        => X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
