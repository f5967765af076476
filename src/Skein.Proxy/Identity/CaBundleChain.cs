using System.Security.Cryptography.X509Certificates;

namespace Skein.Proxy.Identity;

/// <summary>Chain checks against a configured CA bundle instead of the machine's trust store (gateway TLS with clients and backends).</summary>
public static class CaBundleChain
{
    /// <summary>
    /// Null when <paramref name="leaf"/> chains to one of <paramref name="authorities"/>, using the intermediates the
    /// peer sent (in <paramref name="presented"/>, the chain SslStream built); otherwise the chain's status, for logs.
    /// Revocation is not checked: the bundle is all the configuration gives.
    /// </summary>
    public static string? Problem(X509Certificate2 leaf, X509Certificate2Collection authorities, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // A peer's certificate must not make the proxy fetch anything (AIA URLs): only what it sent and the bundle count.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        var copies = new List<X509Certificate2>();
        try
        {
            if (presented is not null)
            {
                chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
                foreach (var element in presented.ChainElements)
                {
                    // Each ChainElements read makes new certificate objects: they are ours to dispose.
                    var certificate = element.Certificate;
                    copies.Add(certificate);
                    chain.ChainPolicy.ExtraStore.Add(certificate);
                }
            }

            if (chain.Build(leaf))
            {
                return null;
            }

            var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return status.Length > 0 ? status : "no chain to the CA bundle";
        }
        finally
        {
            foreach (var copy in copies)
            {
                copy.Dispose();
            }
        }
    }
}
