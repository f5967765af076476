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

        if (spec.NetworkGateway is { Address: { Length: > 0 } address }
            && !NetRules.IsIpAddress(address) && !NameRules.IsDnsSubdomain(address))
        {
            context.Error("spec.networkGateway.address", $"{YamlScalars.Quote(address)} is not a valid IP address or DNS name");
        }
    }
}
