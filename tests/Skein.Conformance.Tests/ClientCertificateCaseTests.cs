using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;
using Skein.Core.Configuration;

namespace Skein.Conformance.Tests;

/// <summary>The runner parts the frontend client-certificate tests need: pinned ports, client certificates, failure cases, listener conditions.</summary>
public class ClientCertificateCaseTests
{
    private static HttpCase Case(string json) => HttpCaseParser.Parse(JsonNode.Parse(json)!.AsObject(), 0).Case!;

    [Fact]
    public void CasesNamePortClientCertificateAndExpectedFailure()
    {
        var c = Case("""{"Request": {"Host": "example.org", "ServerName": "example.org", "Port": 8443, "ClientCertificate": "ns/client"}, "ExpectFailure": true}""");

        Assert.Equal((8443, "ns/client"), (c.Request.Port, c.Request.ClientCertificate));
        Assert.True(c.ExpectFailure);
        Assert.False(Case("""{"Request": {"Path": "/"}}""").ExpectFailure);
    }

    [Fact]
    public void TheSameRequestWithAnotherCertificateOrPortIsNotAStateChange_ButSuccessAndFailureOfOneRequestAre()
    {
        var cases = new[]
        {
            Case("""{"Request": {"Host": "a", "ServerName": "a", "Port": 443, "ClientCertificate": "ns/one"}}"""),
            Case("""{"Request": {"Host": "a", "ServerName": "a", "Port": 443, "ClientCertificate": "ns/two"}, "ExpectFailure": true}"""),
            Case("""{"Request": {"Host": "a", "ServerName": "a", "Port": 8443, "ClientCertificate": "ns/one"}, "ExpectFailure": true}"""),
            Case("""{"Request": {"Host": "a", "ServerName": "a", "Port": 443, "ClientCertificate": "ns/one"}, "ExpectFailure": true}"""),
        };

        Assert.Equal(new Dictionary<int, int> { [3] = 0 }, StateChangeDetector.Conflicts(cases));
    }

    [Fact]
    public void UpstreamAuthoritiesAreCreatedWhenReferenced_WithClientCertificatesTheirCaSigned()
    {
        var created = ClientCertificates.For(ClientCertificates.Upstream, ["caCertificateRefs: [{kind: ConfigMap, name: tls-validity-checks-ca-certificate}]"]);

        Assert.Equal(["gateway-conformance-infra/tls-validity-checks-client-certificate"], created.Names);
        var loaded = ResourceLoader.LoadText(string.Join("---\n", created.Documents), "authorities.yaml");
        Assert.Empty(loaded.Errors);
        var configMap = Assert.IsType<Skein.Core.Resources.ConfigMapResource>(loaded.Resources.Single(r => r.Kind == "ConfigMap"));
        using var ca = X509Certificate2.CreateFromPem(configMap.Data["ca.crt"]);
        var client = created.Get("gateway-conformance-infra/tls-validity-checks-client-certificate");
        Assert.True(client.HasPrivateKey);
        Assert.Equal(ca.Subject, client.Issuer);
        Assert.Empty(ClientCertificates.For(ClientCertificates.Upstream, ["nothing about client certificates"]).Names);
        Assert.Throws<ArgumentException>(() => created.Get("ns/unknown"));
    }
}
