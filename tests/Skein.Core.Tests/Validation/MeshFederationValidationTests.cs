using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Resources;

namespace Skein.Core.Tests;

/// <summary>MeshFederation's bootstrap bundle rules and the Workload trustDomain field.</summary>
public class MeshFederationValidationTests
{
    [Fact]
    public void AnInlineBootstrapBundleOfRootsLoads()
    {
        var yaml = Federation(Indent(Certificate(isCa: true)));

        var federation = Yaml.Single<MeshFederationResource>(yaml);

        Assert.Contains("BEGIN CERTIFICATE", federation.Spec.TrustBundle, StringComparison.Ordinal);
    }

    [Fact]
    public void ABootstrapBundleMustHoldCaCertificatesOnly()
    {
        var errors = Yaml.Errors(Federation(Indent(Certificate(isCa: false))));

        Assert.Equal(["bad.yaml:9:16: spec.trustBundle: certificate \"CN=leaf\" is not a CA certificate: a trust bundle holds roots"], errors);
    }

    [Fact]
    public void ABootstrapBundleMustBePemAndComeFromOnePlace()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: east}
            spec:
              trustDomain: east.example
              bundleEndpointURL: https://east.example/bundle
              trustBundle: not a certificate
              trustBundleFile: east-root.pem
            """,
            "bad.yaml:7:16: spec.trustBundle: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            "bad.yaml:8:20: spec.trustBundleFile: set either trustBundle or trustBundleFile, not both");
    }

    [Fact]
    public void AWorkloadTrustDomainIsATrustDomainName()
    {
        Yaml.AssertErrors(
            """
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: w}
            spec:
              node: n
              trustDomain: spiffe://East
              addresses: [10.0.0.1]
            """,
            "bad.yaml:6:16: spec.trustDomain: \"spiffe://East\" is not a valid trust domain: use lowercase letters, digits, '.', '-' and '_'");
    }

    private static string Federation(string pem) => $"""
        apiVersion: skein.dev/v1alpha1
        kind: MeshFederation
        metadata: {"{"}name: east{"}"}
        spec:
          trustDomain: east.example
          bundleEndpointURL: https://east.example/bundle
          bundleEndpointProfile: https_spiffe
          endpointSPIFFEID: spiffe://east.example/ns/skein-system/sa/skein-control
          trustBundle: |
        {pem}
        """;

    private static string Indent(string pem) => string.Join("\n", pem.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "    " + l));

    private static string Certificate(bool isCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(isCa ? "CN=root" : "CN=leaf", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return cert.ExportCertificatePem();
    }
}
