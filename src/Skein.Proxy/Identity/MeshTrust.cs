using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Proxy.Identity;

/// <summary>The trust bundles this proxy validates peers against, and the TLS settings every mesh hop shares.</summary>
/// <remarks>
/// Peers are checked as X.509-SVIDs against the bundle of the peer's own trust domain (the local one
/// plus the federated ones the control plane pushes), never against the system store, and the SPIFFE ID comes only from a
/// certificate that validated.
/// </remarks>
public sealed class MeshTrust
{
    public MeshTrust(ProxyOptions options)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.RootCertFile);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"{options.RootCertFile} holds no certificate");
        }

        LocalTrustDomain = options.TrustDomain;
        Bundles.Set(options.TrustDomain, roots);
    }

    /// <summary>This proxy's own trust domain; its roots come from --root-cert only, federated ones from xDS.</summary>
    public string LocalTrustDomain { get; }

    public TrustBundleSet Bundles { get; } = new();

    /// <summary>HBONE speaks HTTP/2 over TLS 1.3 only (DESIGN §4).</summary>
    public static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2];

    public const SslProtocols Protocols = SslProtocols.Tls13;

    /// <summary>Validates a presented certificate chain as an SVID; returns the verified ID or the reason it is refused.</summary>
    public SvidValidationResult Validate(X509Certificate? certificate, X509Chain? chain) =>
        SvidValidator.ValidatePresented(certificate, chain, Bundles);
}
