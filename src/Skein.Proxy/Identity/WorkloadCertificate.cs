using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;

namespace Skein.Proxy.Identity;

/// <summary>A workload's X.509-SVID with its private key and the chain up to the root.</summary>
public sealed record WorkloadCertificate(SpiffeId Id, X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Chain)
{
    public DateTimeOffset NotBefore => Certificate.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();

    /// <summary>Renew at half life, as Istio does: plenty of margin for a control plane outage.</summary>
    public DateTimeOffset RenewAt => NotBefore + ((NotAfter - NotBefore) / 2);
}
