using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>
/// Resolves a reference to a kubernetes.io/tls Secret into the certificate and key proxies load: a listener's
/// certificateRefs and a Gateway's spec.tls.backend.clientCertificateRef follow the same rules.
/// </summary>
public static class CertificateSecrets
{
    /// <summary>
    /// The certificate <paramref name="reference"/> (the <paramref name="field"/> of a <paramref name="fromKind"/> in
    /// <paramref name="fromNamespace"/>) names, or the Gateway API reason and message why it is unusable: another kind
    /// than a core Secret or a missing or malformed Secret is <paramref name="invalidReason"/>, a cross-namespace
    /// reference without a ReferenceGrant RefNotPermitted.
    /// </summary>
    public static (SkeinProto.Certificate? Certificate, string? Reason, string Message) Resolve(
        SecretObjectReference reference, string fromKind, string fromNamespace, GatewayApiContext context, string field, string invalidReason)
    {
        var ns = reference.Namespace ?? fromNamespace;
        if (reference.Group is not "" || reference.Kind != "Secret")
        {
            return (null, invalidReason, $"{field} {reference.Group}/{reference.Kind} {reference.Name}: only core Secrets are supported");
        }

        if (!context.Grants.Permits(ApiVersions.GatewayGroup, fromKind, fromNamespace, "", "Secret", ns, reference.Name))
        {
            return (null, "RefNotPermitted", $"Secret {ns}/{reference.Name} is in another namespace and no ReferenceGrant there permits {fromKind}s from {fromNamespace}");
        }

        if (context.FindSecret(ns, reference.Name) is not { } secret)
        {
            return (null, invalidReason, $"Secret {ns}/{reference.Name} does not exist");
        }

        return ToCertificate(secret, out var problem) is { } certificate
            ? (certificate, null, "")
            : (null, invalidReason, $"Secret {ns}/{reference.Name}: {problem}");
    }

    /// <summary>A certificate from a kubernetes.io/tls Secret, checked by parsing the chain together with its key.</summary>
    private static SkeinProto.Certificate? ToCertificate(SecretResource secret, out string problem)
    {
        problem = "";
        if (secret.Type != SecretResource.TlsType)
        {
            problem = $"type is {secret.Type}, not {SecretResource.TlsType}";
            return null;
        }

        if (secret.GetBytes("tls.crt") is not { Length: > 0 } crt || secret.GetBytes("tls.key") is not { Length: > 0 } key)
        {
            problem = "tls.crt and tls.key must both be set";
            return null;
        }

        var crtPem = System.Text.Encoding.UTF8.GetString(crt);
        var keyPem = System.Text.Encoding.UTF8.GetString(key);
        try
        {
            using var parsed = X509Certificate2.CreateFromPem(crtPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            problem = $"tls.crt/tls.key is not a valid PEM certificate and matching key: {e.Message}";
            return null;
        }

        return new SkeinProto.Certificate
        {
            CertificateChainPem = crtPem,
            PrivateKeyPem = keyPem,
            Source = $"{secret.Key.Namespace}/{secret.Metadata.Name}",
        };
    }
}
