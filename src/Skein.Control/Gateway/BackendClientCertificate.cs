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

        var (certificate, reason, message) = CertificateSecrets.Resolve(
            reference, "Gateway", gateway.Key.Namespace, context, "clientCertificateRef", "InvalidClientCertificateRef");
        return reason is null ? new BackendClientCertificate(certificate, null, "") : Invalid(reason, message);
    }

    private static BackendClientCertificate Invalid(string reason, string message) => new(null, reason, $"spec.tls.backend.{message}");
}
