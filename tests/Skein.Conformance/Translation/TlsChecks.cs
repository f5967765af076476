using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Skein.Conformance.Translation;

/// <summary>A Secret or ConfigMap key whose text a pod mounts as a file.</summary>
public sealed record MountedKey(string Kind, string Namespace, string Name, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Namespace}/{Name} key {Key}";
}

/// <summary>
/// The TLS material upstream's suite creates in Go for backend TLS tests, created the same way here: a CA, a serving
/// certificate it signs (the tls-backend echo mounts it), a client certificate it signs (a Gateway presents it to
/// backends), and an unrelated CA to make verification fail.
/// </summary>
/// <remarks>
/// Names and contents follow upstream's conformance setup: Secret tls-checks-certificate (DNS abc.example.com and
/// other.example.com, URI spiffe://abc.example.com/test-identity), ConfigMap tls-checks-ca-certificate (ca.crt),
/// Secret tls-checks-client-certificate, ConfigMap mismatch-ca-certificate. Tests that reference other names on
/// purpose (nonexistent or malformed CA refs) are left alone.
/// </remarks>
public sealed class TlsChecks
{
    /// <summary>The Secret the TLS backends serve with.</summary>
    public const string ServingSecret = "tls-checks-certificate";

    /// <summary>The Secret a Gateway presents to backends as its client certificate.</summary>
    public const string ClientSecret = "tls-checks-client-certificate";

    /// <summary>The ConfigMap with the CA that signed both.</summary>
    public const string CaConfigMap = "tls-checks-ca-certificate";

    /// <summary>A ConfigMap with a CA that signed nothing here.</summary>
    public const string MismatchCaConfigMap = "mismatch-ca-certificate";

    private static readonly string[] ServingDnsNames = ["abc.example.com", "other.example.com"];
    private const string ServingUri = "spiffe://abc.example.com/test-identity";

    private readonly string _caPem;
    private readonly string _mismatchCaPem;
    private readonly (string Crt, string Key) _serving;
    private readonly (string Crt, string Key) _client;

    /// <summary>Generates fresh keys and certificates (valid for two days).</summary>
    public TlsChecks()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = SelfSignedCa("CN=tls-checks-ca", caKey);
        _caPem = ca.ExportCertificatePem();
        using var mismatchKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var mismatch = SelfSignedCa("CN=mismatch-ca", mismatchKey);
        _mismatchCaPem = mismatch.ExportCertificatePem();

        var servingNames = new SubjectAlternativeNameBuilder();
        foreach (var dns in ServingDnsNames)
        {
            servingNames.AddDnsName(dns);
        }

        servingNames.AddUri(new Uri(ServingUri));
        _serving = Issue(ca, caKey, "CN=abc.example.com", servingNames.Build(), serverAuth: true);
        var clientNames = new SubjectAlternativeNameBuilder();
        clientNames.AddDnsName("tls-checks-client");
        _client = Issue(ca, caKey, "CN=tls-checks-client", clientNames.Build(), serverAuth: false);
    }

    /// <summary>The client certificate's PEM (what a backend must see presented).</summary>
    public string ClientCertificatePem => _client.Crt;

    /// <summary>The four objects in namespace <paramref name="ns"/>, as YAML documents.</summary>
    public IEnumerable<string> Yaml(string ns) =>
    [
        SecretYaml(ns, ServingSecret, _serving),
        SecretYaml(ns, ClientSecret, _client),
        ConfigMapYaml(ns, CaConfigMap, _caPem),
        ConfigMapYaml(ns, MismatchCaConfigMap, _mismatchCaPem),
    ];

    /// <summary>The text of a key these objects hold (in any namespace), or null when <paramref name="key"/> is not one of them.</summary>
    public string? Content(MountedKey key) => (key.Kind, key.Name, key.Key) switch
    {
        ("Secret", ServingSecret, "tls.crt") => _serving.Crt,
        ("Secret", ServingSecret, "tls.key") => _serving.Key,
        ("Secret", ClientSecret, "tls.crt") => _client.Crt,
        ("Secret", ClientSecret, "tls.key") => _client.Key,
        ("ConfigMap", CaConfigMap, "ca.crt") => _caPem,
        ("ConfigMap", MismatchCaConfigMap, "ca.crt") => _mismatchCaPem,
        _ => null,
    };

    private static X509Certificate2 SelfSignedCa(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static (string Crt, string Key) Issue(X509Certificate2 ca, ECDsa caKey, string subject, X509Extension names, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(names);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2), serial);
        return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    // Double-quoted YAML scalars are JSON strings, so JsonSerializer quotes PEM text safely.
    private static string SecretYaml(string ns, string name, (string Crt, string Key) pair) => new StringBuilder()
        .Append("apiVersion: v1\nkind: Secret\nmetadata:\n")
        .Append("  name: ").Append(name).Append('\n')
        .Append("  namespace: ").Append(ns).Append('\n')
        .Append("type: kubernetes.io/tls\nstringData:\n")
        .Append("  tls.crt: ").Append(JsonSerializer.Serialize(pair.Crt)).Append('\n')
        .Append("  tls.key: ").Append(JsonSerializer.Serialize(pair.Key)).Append('\n')
        .ToString();

    private static string ConfigMapYaml(string ns, string name, string caPem) => new StringBuilder()
        .Append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n")
        .Append("  name: ").Append(name).Append('\n')
        .Append("  namespace: ").Append(ns).Append('\n')
        .Append("data:\n")
        .Append("  ca.crt: ").Append(JsonSerializer.Serialize(caPem)).Append('\n')
        .ToString();
}
