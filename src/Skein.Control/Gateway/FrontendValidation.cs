using System.Text;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>
/// Resolves a Gateway's client certificate validation (spec.tls.frontend) for one HTTPS listener: the per-port
/// entry for the listener's port, else the default; its CA ConfigMaps become the PEM bundle proxies check with.
/// </summary>
/// <remarks>
/// Reasons follow the Gateway API: a reference of another kind than a core ConfigMap is InvalidCACertificateKind,
/// a cross-namespace one without a ReferenceGrant RefNotPermitted, a missing ConfigMap or one without a parsable
/// ca.crt InvalidCACertificateRef. Any of these sets the listener's ResolvedRefs False; when no CA is left the
/// listener is not Accepted (NoValidCACertificate) and not served, since serving it without validation would
/// let in the clients the configuration means to keep out.
/// </remarks>
public static class FrontendValidation
{
    /// <summary>The validation that applies to an HTTPS listener on <paramref name="port"/>, or null.</summary>
    public static FrontendTLSValidation? For(GatewayResource gateway, int port)
    {
        if (gateway.Spec.Tls?.Frontend is not { } frontend)
        {
            return null;
        }

        var perPort = frontend.PerPort.FirstOrDefault(p => p.Port == port);
        return perPort is not null ? perPort.Tls.Validation : frontend.Default.Validation;
    }

    /// <summary>True when some HTTPS listener of <paramref name="gateway"/> accepts clients without a valid certificate.</summary>
    public static bool UsesInsecureFallback(GatewayResource gateway) =>
        gateway.Spec.Listeners.Any(l => l.Protocol == "HTTPS" && For(gateway, l.Port)?.Mode == FrontendValidationMode.AllowInsecureFallback);

    /// <summary>
    /// Resolves the validation for <paramref name="state"/> (an HTTPS listener) into its proto, setting the
    /// listener's ResolvedRefs and Accepted conditions when references fail.
    /// </summary>
    public static void Resolve(ListenerState state, GatewayResource gateway, GatewayApiContext context)
    {
        if (For(gateway, state.Spec.Port) is not { } validation)
        {
            return;
        }

        var gatewayNs = gateway.Key.Namespace;
        var bundle = new StringBuilder();
        string? reason = null;
        var message = "";
        foreach (var reference in validation.CaCertificateRefs)
        {
            var ns = reference.Namespace ?? gatewayNs;
            string? problem;
            string why;
            if (reference.Group is not "" || reference.Kind != "ConfigMap")
            {
                (problem, why) = ("InvalidCACertificateKind", $"caCertificateRef {reference.Group}/{reference.Kind} {reference.Name}: only core ConfigMaps are supported");
            }
            else if (!context.Grants.Permits(ApiVersions.GatewayGroup, "Gateway", gatewayNs, "", "ConfigMap", ns, reference.Name))
            {
                (problem, why) = ("RefNotPermitted", $"ConfigMap {ns}/{reference.Name} is in another namespace and no ReferenceGrant there permits Gateways from {gatewayNs}");
            }
            else if (context.FindConfigMap(ns, reference.Name) is not { } configMap)
            {
                (problem, why) = ("InvalidCACertificateRef", $"ConfigMap {ns}/{reference.Name} does not exist");
            }
            else if (CaBundleReader.Read(configMap, out var readProblem) is { } pem)
            {
                bundle.Append(pem);
                continue;
            }
            else
            {
                (problem, why) = ("InvalidCACertificateRef", $"ConfigMap {ns}/{reference.Name} {readProblem}");
            }

            if (reason is null)
            {
                (reason, message) = (problem, why);
            }
        }

        if (reason is not null && state.ResolvedRefs)
        {
            state.ResolvedRefsReason = reason;
            state.ResolvedRefsMessage = message;
        }

        if (bundle.Length == 0)
        {
            state.Accepted = false;
            state.AcceptedReason = "NoValidCACertificate";
            state.AcceptedMessage = $"no caCertificateRef of the client certificate validation for port {state.Spec.Port} resolved: {message}";
            return;
        }

        state.ClientValidation = new SkeinProto.ClientCertValidation
        {
            CaCertificatesPem = bundle.ToString(),
            AllowInsecureFallback = validation.Mode == FrontendValidationMode.AllowInsecureFallback,
        };
    }
}
