using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Skein.Conformance.Translation;

/// <summary>A client certificate authority the upstream suite creates in Go: its CA ConfigMap and a client Secret it signed.</summary>
public sealed record ClientAuthority(string Namespace, string CaConfigMap, string ClientSecret);

/// <summary>
/// The frontend client-certificate tests reference CA ConfigMaps and present client certificates that upstream's
/// suite creates in code (not in manifests). The runner does the same: for each such authority a corpus manifest
/// references, a fresh CA goes into a ConfigMap (ca.crt) and a client certificate it signed into a kubernetes.io/tls
/// Secret; cases name the Secret (Request.ClientCertificate) to present it. References to ConfigMaps nobody creates
/// (the tests' deliberately missing ones) are left alone.
/// </summary>
public sealed class ClientCertificates
{
    /// <summary>What upstream's suite creates (conformance/utils/suite): the default and per-port authorities.</summary>
    public static readonly IReadOnlyList<ClientAuthority> Upstream =
    [
        new("gateway-conformance-infra", "tls-validity-checks-ca-certificate", "tls-validity-checks-client-certificate"),
        new("gateway-conformance-infra", "tls-validity-checks-per-port-ca-certificate", "tls-validity-checks-per-port-client-certificate"),
    ];

    private readonly Dictionary<string, X509Certificate2> _clients = new(StringComparer.Ordinal);
    private readonly List<string> _documents = [];

    private ClientCertificates()
    {
    }

    /// <summary>The manifests to add to the base (ConfigMaps and Secrets).</summary>
    public IReadOnlyList<string> Documents => _documents;

    /// <summary>"namespace/name" of the client Secrets created.</summary>
    public IEnumerable<string> Names => _clients.Keys;

    /// <summary>Creates the authorities of <paramref name="authorities"/> whose CA ConfigMap some text of <paramref name="allTexts"/> names.</summary>
    public static ClientCertificates For(IEnumerable<ClientAuthority> authorities, IReadOnlyList<string> allTexts)
    {
        var result = new ClientCertificates();
        foreach (var authority in authorities.Where(a => allTexts.Any(t => t.Contains(a.CaConfigMap, StringComparison.Ordinal))))
        {
            result.Create(authority);
        }

        return result;
    }

    /// <summary>The client certificate (with its key) of Secret <paramref name="name"/> ("namespace/name").</summary>
    /// <exception cref="ArgumentException">The runner created no such Secret.</exception>
    public X509Certificate2 Get(string name) =>
        _clients.TryGetValue(name, out var certificate)
            ? certificate
            : throw new ArgumentException($"no client certificate Secret {name} (the runner creates {string.Join(", ", _clients.Keys)})");

    private void Create(ClientAuthority authority)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={authority.CaConfigMap}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest($"CN={authority.ClientSecret}", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var signed = clientRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-4), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(clientKey);
        // Re-imported from PKCS#12 so the private key is usable by SslStream on every platform.
        _clients[$"{authority.Namespace}/{authority.ClientSecret}"] = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        static string Indent(string pem) => string.Join('\n', pem.Trim().Split('\n').Select(l => "    " + l));
        _documents.Add(new StringBuilder()
            .Append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n")
            .Append("  name: ").Append(authority.CaConfigMap).Append('\n')
            .Append("  namespace: ").Append(authority.Namespace).Append('\n')
            .Append("data:\n  ca.crt: |\n").Append(Indent(ca.ExportCertificatePem())).Append('\n')
            .ToString());
        _documents.Add(new StringBuilder()
            .Append("apiVersion: v1\nkind: Secret\nmetadata:\n")
            .Append("  name: ").Append(authority.ClientSecret).Append('\n')
            .Append("  namespace: ").Append(authority.Namespace).Append('\n')
            .Append("type: kubernetes.io/tls\nstringData:\n")
            .Append("  tls.crt: |\n").Append(Indent(signed.ExportCertificatePem())).Append('\n')
            .Append("  tls.key: |\n").Append(Indent(clientKey.ExportPkcs8PrivateKeyPem())).Append('\n')
            .ToString());
    }
}
