using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>MeshFederation rules: the endpoint SPIFFE ID goes with the https_spiffe profile; gateway address syntax.</summary>
internal static class MeshFederationValidator
{
    public static void Validate(MeshFederationResource federation, DocumentContext context)
    {
        var spec = federation.Spec;
        if (spec.BundleEndpointProfile == BundleEndpointProfile.HttpsSpiffe && string.IsNullOrEmpty(spec.EndpointSPIFFEID))
        {
            context.Error("spec.endpointSPIFFEID", "required when bundleEndpointProfile is https_spiffe");
        }
        else if (spec.BundleEndpointProfile == BundleEndpointProfile.HttpsWeb && !string.IsNullOrEmpty(spec.EndpointSPIFFEID))
        {
            context.Error("spec.endpointSPIFFEID", "only used with bundleEndpointProfile https_spiffe");
        }

        if (!string.IsNullOrEmpty(spec.TrustBundle) && !string.IsNullOrEmpty(spec.TrustBundleFile))
        {
            context.Error("spec.trustBundleFile", "set either trustBundle or trustBundleFile, not both");
        }

        if (!string.IsNullOrWhiteSpace(spec.TrustBundle) && CheckPemRoots(spec.TrustBundle) is { } problem)
        {
            context.Error("spec.trustBundle", problem);
        }

        if (spec.NetworkGateway is { Address: { Length: > 0 } address }
            && !NetRules.IsIpAddress(address) && !NameRules.IsDnsSubdomain(address))
        {
            context.Error("spec.networkGateway.address", $"{YamlScalars.Quote(address)} is not a valid IP address or DNS name");
        }
    }

    /// <summary>Null when <paramref name="pem"/> holds at least one CA certificate and nothing else; else why not.</summary>
    private static string? CheckPemRoots(string pem)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            return $"is not PEM certificates: {e.Message}";
        }

        try
        {
            if (roots.Count == 0)
            {
                return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
            }

            return roots.FirstOrDefault(r => r.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true }) is { } leaf
                ? $"certificate \"{leaf.Subject}\" is not a CA certificate: a trust bundle holds roots"
                : null;
        }
        finally
        {
            foreach (var root in roots)
            {
                root.Dispose();
            }
        }
    }
}
