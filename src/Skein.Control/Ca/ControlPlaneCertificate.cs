using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Control.Ca;

/// <summary>The control plane's own serving certificate for 15012, issued by the mesh CA and renewed at half life.</summary>
public sealed class ControlPlaneCertificate(CertificateAuthority ca, ControlPlaneOptions options)
{
    /// <summary>The identity proxies expect the control plane to present.</summary>
    public static SpiffeId IdentityFor(string trustDomain) => SpiffeId.ForWorkload(trustDomain, "skein-system", "skein-control");

    private readonly Lock _gate = new();
    private X509Certificate2? _current;

    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                if (_current is null || DateTime.UtcNow > _current.NotBefore + ((_current.NotAfter - _current.NotBefore) / 2))
                {
                    _current = Create();
                }

                return _current;
            }
        }
    }

    private X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=skein-control", key, HashAlgorithmName.SHA256);
        var addresses = new List<IPAddress> { options.Address };
        if (!options.Address.Equals(IPAddress.Loopback))
        {
            addresses.Add(IPAddress.Loopback);
        }

        using var leaf = ca.Issue(request.PublicKey, IdentityFor(ca.TrustDomain), CertificateAuthority.DefaultTtl, ["skein-control", "localhost"], addresses);
        return CertificateKeys.WithPrivateKey(leaf, key);
    }
}
