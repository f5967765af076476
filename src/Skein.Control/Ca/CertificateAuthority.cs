using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;

namespace Skein.Control.Ca;

/// <summary>The mesh CA: a self-signed root generated once and kept in the state directory, or an intermediate loaded from files.</summary>
public sealed class CertificateAuthority : IDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(7);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>How far back notBefore is set for leaves, to tolerate clocks a little behind ours.</summary>
    public static TimeSpan Backdate(TimeSpan ttl) => ttl < TimeSpan.FromHours(1) ? TimeSpan.FromSeconds(1) : ClockSkew;

    private readonly X509Certificate2 _signer;
    private readonly ECDsa _signerKey;

    private CertificateAuthority(string trustDomain, X509Certificate2 signer, ECDsa signerKey, IReadOnlyList<X509Certificate2> chainAboveSigner)
    {
        TrustDomain = trustDomain;
        _signer = signer;
        _signerKey = signerKey;
        // The chain sent with every leaf: the signer, then what is above it, ending at the root.
        Chain = [signer, .. chainAboveSigner];
        Root = Chain[^1];
    }

    public string TrustDomain { get; }

    /// <summary>The root of trust proxies validate against (the trust bundle of this trust domain).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The CA certificates from the signer up to the root.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    public string RootPem => Root.ExportCertificatePem();

    /// <summary>Loads the CA from <paramref name="options"/>: an intermediate from files if configured, else the persisted root (created on first start).</summary>
    public static CertificateAuthority LoadOrCreate(ControlPlaneOptions options, ILogger logger)
    {
        if (options.CaCertFile is not null || options.CaKeyFile is not null)
        {
            return LoadIntermediate(options);
        }

        var dir = Path.Combine(options.StateDirectory, "ca");
        var certPath = Path.Combine(dir, "root-cert.pem");
        var keyPath = Path.Combine(dir, "root-key.pem");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            var existing = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            var existingKey = ECDsa.Create();
            existingKey.ImportFromPem(File.ReadAllText(keyPath));
            return new CertificateAuthority(options.TrustDomain, existing, existingKey, []);
        }

        Directory.CreateDirectory(dir);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Skein Root CA, O={options.TrustDomain}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(SpiffeSanExtension.Create(SpiffeId.Parse($"spiffe://{options.TrustDomain}")));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now - ClockSkew, now.AddYears(10));
        var root = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
        StateFiles.WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, root.ExportCertificatePem());
        logger.LogInformation("generated a new mesh root CA for trust domain {TrustDomain} in {Directory}", options.TrustDomain, dir);
        return new CertificateAuthority(options.TrustDomain, root, key, []);
    }

    private static CertificateAuthority LoadIntermediate(ControlPlaneOptions options)
    {
        if (options.CaCertFile is null || options.CaKeyFile is null || options.CaChainFile is null)
        {
            throw new InvalidOperationException("an intermediate CA needs --ca-cert, --ca-key and --ca-chain (the certificates above it, ending at the root)");
        }

        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaCertFile));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(options.CaKeyFile));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(options.CaChainFile);
        if (chain.Count == 0)
        {
            throw new InvalidOperationException($"{options.CaChainFile} holds no certificates");
        }

        if (cert.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            throw new InvalidOperationException($"{options.CaCertFile} is not a CA certificate");
        }

        return new CertificateAuthority(options.TrustDomain, cert, key, [.. chain]);
    }

    /// <summary>Issues an X.509-SVID for <paramref name="id"/> over <paramref name="publicKey"/>; the caller has already authorized the identity.</summary>
    public X509Certificate2 Issue(PublicKey publicKey, SpiffeId id, TimeSpan ttl, IEnumerable<string>? dnsNames = null, IEnumerable<IPAddress>? addresses = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // serverAuth, clientAuth
        if (_signer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any())
        {
            // Helps path building when the CA has been rotated; an external intermediate may lack an SKI.
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_signer, true, false));
        }
        // An SVID with an empty subject must mark its SAN critical (RFC 5280 §4.2.1.6).
        var san = SpiffeSanExtension.Create(id, dnsNames, addresses);
        request.CertificateExtensions.Add(new X509Extension(san.Oid!, san.RawData, critical: true));

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + (ttl <= TimeSpan.Zero ? DefaultTtl : ttl < MaxTtl ? ttl : MaxTtl);
        if (notAfter > _signer.NotAfter)
        {
            notAfter = _signer.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial
        var generator = X509SignatureGenerator.CreateForECDsa(_signerKey);
        // Short-lived test certificates get a small backdate so that half life stays meaningful.
        using var leaf = request.Create(_signer.SubjectName, generator, now - Backdate(notAfter - now), notAfter, serial);
        return X509CertificateLoader.LoadCertificate(leaf.RawData);
    }

    /// <summary>PEM chain for a response: the leaf, then the CA chain up to the root.</summary>
    public IReadOnlyList<string> ChainPem(X509Certificate2 leaf) => [leaf.ExportCertificatePem(), .. Chain.Select(c => c.ExportCertificatePem())];

    public void Dispose() => _signerKey.Dispose();
}
