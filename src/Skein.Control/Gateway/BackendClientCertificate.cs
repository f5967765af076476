using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>A Gateway's spec.tls.backend.clientCertificateRef resolved: the certificate it presents to TLS backends, or why not.</summary>
public sealed record BackendClientCertificate(SkeinProto.Certificate? Certificate, string? Reason, string Message)
{
    /// <summary>No clientCertificateRef: nothing to present, nothing to report.</summary>
    public static readonly BackendClientCertificate None = new(null, null, "");

    /// <summary>Resolves the reference like a listener's certificateRef: a kubernetes.io/tls Secret, ReferenceGrant across namespaces.</summary>
    public static BackendClientCertificate Resolve(GatewayResource gateway, GatewayApiContext context)
    {
        if (gateway.Spec.Tls?.Backend?.ClientCertificateRef is not { } reference)
        {
            return None;
        }

        var gatewayNs = gateway.Key.Namespace;
        var ns = reference.Namespace ?? gatewayNs;
        if (reference.Group is not "" || reference.Kind != "Secret")
        {
            return Invalid("InvalidClientCertificateRef", $"clientCertificateRef {reference.Group}/{reference.Kind} {reference.Name}: only core Secrets are supported");
        }

        if (!context.Grants.Permits(ApiVersions.GatewayGroup, "Gateway", gatewayNs, "", "Secret", ns, reference.Name))
        {
            return Invalid("RefNotPermitted", $"Secret {ns}/{reference.Name} is in another namespace and no ReferenceGrant there permits Gateways from {gatewayNs}");
        }

        if (context.FindSecret(ns, reference.Name) is not { } secret)
        {
            return Invalid("InvalidClientCertificateRef", $"Secret {ns}/{reference.Name} does not exist");
        }

        return ListenerBuilder.ToCertificate(secret, out var problem) is { } certificate
            ? new BackendClientCertificate(certificate, null, "")
            : Invalid("InvalidClientCertificateRef", $"Secret {ns}/{reference.Name}: {problem}");
    }

    private static BackendClientCertificate Invalid(string reason, string message) => new(null, reason, $"spec.tls.backend.{message}");
}
