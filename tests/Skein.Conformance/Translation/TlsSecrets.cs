using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Skein.Conformance.Translation;

/// <summary>
/// The upstream suite creates the TLS Secrets its shared Gateways reference in code, not in manifests. The runner
/// does the same: every Secret a base manifest's listener references, and every Secret upstream's suite setup
/// creates (in a namespace the base defines), that no manifest defines is created as a self-signed
/// kubernetes.io/tls Secret (tests that reference other missing Secrets on purpose are left alone).
/// </summary>
public static class TlsSecrets
{
    private static readonly string[] Hosts = ["example.org", "*.org", "*.com", "*.example.com", "*.wildcard.org", "localhost"];

    // conformance/utils/suite: Setup creates these with MustCreateSelfSignedCertSecret before any test runs; tests'
    // manifests reference them across namespaces (e.g. ListenerSetReferenceGrant, GatewaySecretReferenceGrant*).
    private static readonly (string Namespace, string Name)[] SuiteSetup = [("gateway-conformance-web-backend", "certificate")];

    /// <summary>(namespace, name) of Secrets referenced by listeners in <paramref name="baseTexts"/> and defined nowhere in <paramref name="allTexts"/>.</summary>
    public static IReadOnlyList<(string Namespace, string Name)> Missing(IEnumerable<string> baseTexts, IEnumerable<string> allTexts)
    {
        var defined = allTexts.SelectMany(ManifestDocuments.Split).Where(d => d.Kind == "Secret")
            .Select(d => (d.Namespace ?? "default", d.Name ?? "")).ToHashSet();
        var missing = new List<(string, string)>();
        foreach (var gateway in baseTexts.SelectMany(ManifestDocuments.Split).Where(d => d.Kind == "Gateway" && d.Root is not null))
        {
            foreach (var listener in ManifestDocuments.Sequence(gateway.Root!, "spec", "listeners").OfType<YamlMappingNode>())
            {
                foreach (var certificate in ManifestDocuments.Sequence(listener, "tls", "certificateRefs").OfType<YamlMappingNode>())
                {
                    if ((ManifestDocuments.Scalar(certificate, "kind") ?? "Secret") != "Secret" || ManifestDocuments.Scalar(certificate, "name") is not { } name)
                    {
                        continue;
                    }

                    var key = (ManifestDocuments.Scalar(certificate, "namespace") ?? gateway.Namespace ?? "default", name);
                    if (!defined.Contains(key) && !missing.Contains(key))
                    {
                        missing.Add(key);
                    }
                }
            }
        }

        // Only where the corpus's base has the namespace (Skein's own corpora may not mirror upstream's setup).
        var namespaces = baseTexts.SelectMany(ManifestDocuments.Split).Where(d => d.Kind == "Namespace").Select(d => d.Name).ToHashSet();
        foreach (var key in SuiteSetup.Where(k => namespaces.Contains(k.Namespace) && !defined.Contains(k) && !missing.Contains(k)))
        {
            missing.Add(key);
        }

        return missing;
    }

    /// <summary>A Secret document holding a fresh self-signed ECDSA P-256 certificate and key.</summary>
    public static string SecretYaml(string ns, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in Hosts)
        {
            san.AddDnsName(host);
        }

        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        static string Indent(string pem) => string.Join('\n', pem.Trim().Split('\n').Select(l => "    " + l));
        return new StringBuilder()
            .Append("apiVersion: v1\nkind: Secret\nmetadata:\n")
            .Append("  name: ").Append(name).Append('\n')
            .Append("  namespace: ").Append(ns).Append('\n')
            .Append("type: kubernetes.io/tls\nstringData:\n")
            .Append("  tls.crt: |\n").Append(Indent(certificate.ExportCertificatePem())).Append('\n')
            .Append("  tls.key: |\n").Append(Indent(key.ExportPkcs8PrivateKeyPem())).Append('\n')
            .ToString();
    }
}
