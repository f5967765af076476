using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Protos.Skein;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>
/// Checks client certificates on an HTTPS listener against the CAs of the Gateway's frontend validation
/// (spec.tls.frontend): a chain to one of them, within its validity period. Only these CAs count, never the
/// machine's trust store. Under AllowInsecureFallback every client is still asked for a certificate, but the
/// handshake goes on whatever it sends.
/// </summary>
public sealed class ClientCertificateValidator
{
    private readonly X509Certificate2Collection _authorities;

    private ClientCertificateValidator(ClientCertValidation proto, X509Certificate2Collection authorities)
    {
        _authorities = authorities;
        Proto = proto;
        AllowInsecureFallback = proto.AllowInsecureFallback;
    }

    /// <summary>What it was built from: two validators with equal protos apply the same checks (across config pushes too).</summary>
    public ClientCertValidation Proto { get; }

    /// <summary>Whether a missing or invalid certificate still completes the handshake.</summary>
    public bool AllowInsecureFallback { get; }

    /// <summary>How many CA certificates are trusted (for the config dump).</summary>
    public int AuthorityCount => _authorities.Count;

    /// <summary>The validator for <paramref name="proto"/>, or null when it is unset.</summary>
    /// <exception cref="CryptographicException">The CA bundle holds no usable PEM certificate.</exception>
    public static ClientCertificateValidator? From(ClientCertValidation? proto)
    {
        if (proto is null)
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(proto.CaCertificatesPem);
        if (authorities.Count == 0)
        {
            throw new CryptographicException("the CA bundle holds no PEM certificate");
        }

        return new ClientCertificateValidator(proto, authorities);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of the CAs; the intermediates a client sent come in
    /// <paramref name="presented"/> (the chain SslStream built, whose extra store holds them).
    /// </summary>
    public bool IsTrusted(X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return Identity.CaBundleChain.Problem(leaf, _authorities, presented) is null;
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    /// <summary>
    /// The handshake's verdict (for SslServerAuthenticationOptions.RemoteCertificateValidationCallback). Clients
    /// without a trusted certificate are counted: l7.tls.client_certificate_rejected, or under insecure fallback
    /// l7.tls.client_certificate_fallback (let in anyway).
    /// </summary>
    public bool Judge(X509Certificate? certificate, X509Chain? chain, ProxyStats stats)
    {
        if (IsTrusted(certificate, chain))
        {
            return true;
        }

        stats.Increment(AllowInsecureFallback ? "l7.tls.client_certificate_fallback" : "l7.tls.client_certificate_rejected");
        return AllowInsecureFallback;
    }
}
