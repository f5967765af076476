using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Xds;
using Skein.Proxy.Identity;
using Proto = Skein.Core.Protos.Skein;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>skein.v1alpha1.TrustBundle</c>: adds, replaces and removes the bundles of federated trust domains.</summary>
/// <remarks>
/// The local trust domain's bundle is the proxy's own --root-cert and is never touched from xDS: a control plane
/// (or anyone holding its stream) could otherwise swap the root every local handshake depends on.
/// </remarks>
public sealed class TrustBundleHandler(MeshTrust trust, ILogger<TrustBundleHandler> logger) : IXdsHandler
{
    public string TypeUrl => TypeUrls.TrustBundle;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var parsed = new List<(string TrustDomain, List<X509Certificate2> Roots)>(updated.Count);
        foreach (var resource in updated)
        {
            if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Proto.TrustBundle>(out var bundle))
            {
                throw new XdsRejectedException($"TrustBundle {resource.Name}: body is not a {TypeUrls.TrustBundle}");
            }

            if (!SpiffeId.TryParse($"spiffe://{bundle.TrustDomain}", out var parsedId, out _) || parsedId.TrustDomain != bundle.TrustDomain || bundle.TrustDomain != resource.Name)
            {
                throw new XdsRejectedException($"TrustBundle {resource.Name}: trust domain \"{bundle.TrustDomain}\" is not valid or does not match the resource name");
            }

            if (bundle.TrustDomain == trust.LocalTrustDomain)
            {
                throw new XdsRejectedException($"TrustBundle {resource.Name}: the local trust domain's roots come from --root-cert, not from xDS");
            }

            if (bundle.Roots.Count == 0)
            {
                throw new XdsRejectedException($"TrustBundle {resource.Name}: no roots");
            }

            var roots = new List<X509Certificate2>(bundle.Roots.Count);
            try
            {
                foreach (var der in bundle.Roots)
                {
                    var root = X509CertificateLoader.LoadCertificate(der.Span);
                    roots.Add(root);
                    if (root.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                    {
                        throw new XdsRejectedException($"TrustBundle {resource.Name}: root \"{root.Subject}\" is not a CA certificate");
                    }
                }
            }
            catch (CryptographicException e)
            {
                throw new XdsRejectedException($"TrustBundle {resource.Name}: a root is not a DER certificate: {e.Message}");
            }

            parsed.Add((bundle.TrustDomain, roots));
        }

        foreach (var name in removed)
        {
            if (name != trust.LocalTrustDomain && trust.Bundles.Remove(name))
            {
                logger.LogInformation("trust domain {TrustDomain} is no longer federated", name);
            }
        }

        foreach (var (trustDomain, roots) in parsed)
        {
            trust.Bundles.Set(trustDomain, roots);
            logger.LogInformation("trusting federated trust domain {TrustDomain} ({Roots} root(s))", trustDomain, roots.Count);
        }

        return Task.CompletedTask;
    }
}
