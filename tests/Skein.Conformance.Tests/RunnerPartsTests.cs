using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Reporting;
using Skein.Conformance.Translation;
using Skein.Core.Configuration;

namespace Skein.Conformance.Tests;

public class RunnerPartsTests
{
    [Fact]
    public void ARepeatedRequestWithAnotherExpectationIsAStateChange()
    {
        HttpCase Case(string json, int i) => HttpCaseParser.Parse(JsonNode.Parse(json)!.AsObject(), i).Case!;
        var cases = new[]
        {
            Case("""{"Request": {"Path": "/"}, "Backend": "web-backend", "$kind": "http"}""", 0),
            Case("""{"Request": {"Path": "/"}, "Response": {"StatusCode": 500}, "$kind": "http"}""", 1),
            Case("""{"Request": {"Path": "/"}, "Backend": "web-backend", "$kind": "http"}""", 2),
        };
        var conflicts = StateChangeDetector.Conflicts(cases);
        Assert.Equal(0, Assert.Single(conflicts).Value);
        Assert.True(conflicts.ContainsKey(1));
    }

    [Fact]
    public void CasesCheckingDifferentPartsOfOneReplyAreNotAStateChange()
    {
        HttpCase Case(string json, int i) => HttpCaseParser.Parse(JsonNode.Parse(json)!.AsObject(), i).Case!;
        var cases = new[]
        {
            Case("""{"Request": {"Path": "/c", "Method": "OPTIONS"}, "Response": {"StatusCodes": [200, 204], "ValidHeaderValues": {"allow-methods": ["POST"]}}, "$kind": "http"}""", 0),
            Case("""{"Request": {"Path": "/c", "Method": "OPTIONS"}, "Response": {"StatusCodes": [200, 204], "AbsentHeaders": ["allow-credentials"]}, "$kind": "http"}""", 1),
            // Same path, but the echo is asked to set another header: a different request.
            Case("""{"Request": {"Path": "/c", "Method": "OPTIONS"}, "BackendSetResponseHeaders": {"X": "1"}, "Response": {"StatusCode": 500}, "$kind": "http"}""", 2),
        };
        Assert.Empty(StateChangeDetector.Conflicts(cases));
    }

    [Fact]
    public void MissingListenerSecretsOfTheBaseAreCreatedAndLoad()
    {
        const string Base = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: https
              namespace: infra
            spec:
              gatewayClassName: skein
              listeners:
                - name: https
                  port: 443
                  protocol: HTTPS
                  tls:
                    certificateRefs:
                      - name: made-by-the-suite
                      - name: defined
            """;
        const string Defined = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: defined
              namespace: infra
            """;
        var missing = TlsSecrets.Missing([Base], [Base, Defined]);
        Assert.Equal(("infra", "made-by-the-suite"), Assert.Single(missing));
        // With upstream's web-backend namespace in the base, the Secret upstream's suite setup creates there comes too.
        const string WebBackend = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gateway-conformance-web-backend\n";
        Assert.Equal([("infra", "made-by-the-suite"), ("gateway-conformance-web-backend", "certificate")], TlsSecrets.Missing([Base, WebBackend], [Base, Defined]));
        var loaded = ResourceLoader.LoadText(TlsSecrets.SecretYaml("infra", "made-by-the-suite"), "secret.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var secret = Assert.IsType<Skein.Core.Resources.SecretResource>(Assert.Single(loaded.Resources));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", System.Text.Encoding.UTF8.GetString(secret.GetBytes("tls.crt")!));
    }

    [Fact]
    public void SummaryCountsTestsByOutcome()
    {
        TestResult R(Outcome o) => new("t", o, 0, 0, "", [], TimeSpan.Zero);
        Assert.Equal("1 passed, 2 failed", ResultReport.Summary([R(Outcome.Passed), R(Outcome.Failed), R(Outcome.Failed)]));
        Assert.Equal("1 passed, 0 failed, 1 skipped", ResultReport.Summary([R(Outcome.Passed), R(Outcome.Skipped)]));
    }

    [Fact]
    public void ProvisionalAndUnsupportedTestsAreSkippedWithReasons()
    {
        var test = new ConformanceTest("T", "", ["Gateway", "UDPRoute"], [], false, false, null, [], [], []);
        Assert.Contains("UDPRoute", SupportedFeatures.SkipReason(test, SupportedFeatures.Default, false));
        var provisional = test with { Features = ["Gateway"], Provisional = true };
        Assert.Contains("provisional", SupportedFeatures.SkipReason(provisional, SupportedFeatures.Default, false));
        Assert.Null(SupportedFeatures.SkipReason(provisional, SupportedFeatures.Default, true));
    }
}
