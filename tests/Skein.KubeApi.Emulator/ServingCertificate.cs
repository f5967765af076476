using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.KubeApi.Emulator;

/// <summary>A self-signed serving certificate for the listen address, and a kubeconfig that trusts it.</summary>
/// <remarks>HTTPS is not optional: kubectl (client-go) never sends a bearer token over plain HTTP.</remarks>
public static class ServingCertificate
{
    /// <summary>Reuses the certificate saved at <paramref name="path"/> (so a restarted emulator is still trusted by the kubeconfig its clients hold), or creates and saves one.</summary>
    public static X509Certificate2 LoadOrCreate(IPAddress address, string? path)
    {
        if (path is not null && File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }

        var created = Create(address);
        if (path is not null)
        {
            File.WriteAllBytes(path, created.Export(X509ContentType.Pkcs12));
        }

        return created;
    }

    public static X509Certificate2 Create(IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=skein-kube-api-emulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(address);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Writes a kubeconfig (server, CA data, admin token) that kubectl and KubernetesClient both read.</summary>
    public static void WriteKubeconfig(string path, string server, X509Certificate2 certificate, string token)
    {
        var ca = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster:
                server: {server}
                certificate-authority-data: {ca}
            users:
            - name: admin
              user:
                token: {token}
            contexts:
            - name: emulator
              context:
                cluster: emulator
                user: admin
            current-context: emulator

            """);
    }
}
