using Skein.Conformance.Corpus;

namespace Skein.Conformance;

/// <summary>The Gateway API features Skein claims (upstream's SupportedFeatures); tests needing others are skipped.</summary>
public static class SupportedFeatures
{
    /// <summary>Features Skein implements in embedded mode (gateway proxy on YARP, control plane status).</summary>
    public static readonly IReadOnlySet<string> Default = new HashSet<string>(StringComparer.Ordinal)
    {
        // Core
        "Gateway", "HTTPRoute", "ReferenceGrant",
        // Other route kinds (the gateway's HTTP/2 and stream listeners)
        "GRPCRoute", "TCPRoute", "TLSRoute",
        // Mesh (GAMMA): node proxy -> waypoint -> backend
        "Mesh",
        // Gateway extended
        "GatewayPort8080", "GatewayHTTPListenerIsolation",
        // HTTPRoute extended
        "HTTPRouteQueryParamMatching", "HTTPRouteMethodMatching", "HTTPRouteResponseHeaderModification",
        "HTTPRoutePortRedirect", "HTTPRouteSchemeRedirect", "HTTPRoutePathRedirect", "HTTPRouteHostRewrite",
        "HTTPRoutePathRewrite", "HTTPRouteRequestMirror", "HTTPRouteRequestMultipleMirrors",
        "HTTPRouteRequestTimeout", "HTTPRouteBackendTimeout", "HTTPRouteParentRefPort",
        "HTTPRouteBackendRequestHeaderModification", "HTTPRouteBackendProtocolH2C", "HTTPRouteDestinationPortMatching",
        "HTTPRouteRetry", "HTTPRouteRetryConnectionError", "HTTPRouteRetryBackendTimeout", "HTTPRouteRequestPercentageMirror",
        "HTTPRoute303RedirectStatusCode", "HTTPRoute307RedirectStatusCode", "HTTPRoute308RedirectStatusCode",
        "HTTPRouteNamedRouteRule", "HTTPRouteCORS", "HTTPRouteBackendRequestRedirect", "HTTPRouteBackendURLRewrite",
        // The gateway upgrades WebSockets (YARP) and answers 421 when Host belongs to another listener than the SNI.
        "HTTPRouteBackendProtocolWebSocket", "GatewayHTTPSListenerDetectMisdirectedRequests",
        // An IPAddress entry without a value asks for an allocated address (from --gateway-address-pool); IPAddress
        // entries this host can bind are used as given (the runner's StaticAddresses fill upstream's placeholders).
        "GatewayAddressEmpty", "GatewayStaticAddresses",
        // HTTPS listeners ask for and check client certificates against CA ConfigMaps (spec.tls.frontend).
        "GatewayFrontendClientCertificateValidation", "GatewayFrontendClientCertificateValidationInsecureFallback",
        // ListenerSets merge their listeners into the parent Gateway's (GEP-1713).
        "ListenerSet",
        // Gateways originate TLS to backends inside the HBONE tunnel (SNI, CA bundle, SANs; Gateway client certificate).
        "BackendTLSPolicy", "BackendTLSPolicySANValidation", "GatewayBackendClientCertificate",
    };

    /// <summary>Why features outside the default set are not claimed (shown in skip reasons).</summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["UDPRoute"] = "Skein has no UDP data path",
        ["GatewayInfrastructurePropagation"] = "no infrastructure (pods, services) is generated for Gateways in embedded mode, so spec.infrastructure labels and annotations have nothing to propagate to",
    };

    /// <summary>Null when <paramref name="test"/> should run with <paramref name="supported"/>; otherwise why it is skipped.</summary>
    public static string? SkipReason(ConformanceTest test, IReadOnlySet<string> supported, bool includeProvisional)
    {
        var missing = test.Features.Where(f => !supported.Contains(f)).ToList();
        if (missing.Count > 0)
        {
            var why = missing.Select(f => Reasons.TryGetValue(f, out var r) ? $"{f} ({r})" : f);
            return "unsupported feature: " + string.Join(", ", why);
        }

        return test.Provisional && !includeProvisional ? "provisional upstream (run with --include-provisional)" : null;
    }
}
