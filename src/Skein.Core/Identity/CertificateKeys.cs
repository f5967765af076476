using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skein.Core.Identity;

/// <summary>Joins a certificate to its private key in a form SslStream can use.</summary>
public static class CertificateKeys
{
    /// <remarks>
    /// A PKCS#12 round trip: on Linux, SslStream hands the key to OpenSSL, which cannot use the ephemeral key
    /// handle that <see cref="X509Certificate2.CopyWithPrivateKey(ECDsa)"/> alone produces.
    /// </remarks>
    public static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, ECDsa key)
    {
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
