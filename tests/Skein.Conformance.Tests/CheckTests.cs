using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Tests;

public class CheckTests
{
    private static readonly ConsistencyOptions Fast = new(3, TimeSpan.FromSeconds(30), TimeSpan.Zero);

    [Fact]
    public async Task ConsistencyNeedsThreePassesInARow()
    {
        // fail, pass, pass, fail, pass, pass, pass: only the last three count.
        var script = new Queue<string?>(["a", null, null, "b", null, null, null]);
        var result = await Consistency.RunAsync(_ => Task.FromResult(script.Dequeue()), Fast, TimeProvider.System, CancellationToken.None);
        Assert.True(result.Passed);
        Assert.Equal(7, result.Attempts);
        Assert.Empty(script);
    }

    [Fact]
    public async Task ConsistencyGivesUpWithTheLastFailure()
    {
        var result = await Consistency.RunAsync(_ => Task.FromResult<string?>("still wrong"), Fast with { MaxTime = TimeSpan.Zero }, TimeProvider.System, CancellationToken.None);
        Assert.False(result.Passed);
        Assert.Equal(1, result.Attempts);
        Assert.Equal("still wrong", result.LastError);
    }

    [Fact]
    public async Task ConsistencyTurnsTransportErrorsIntoFailures()
    {
        var calls = 0;
        var result = await Consistency.RunAsync(_ => ++calls == 1 ? throw new HttpRequestException("refused") : Task.FromResult<string?>(null), Fast, TimeProvider.System, CancellationToken.None);
        Assert.True(result.Passed);
        Assert.Equal(4, result.Attempts);
    }

    [Fact]
    public void SharesWithinToleranceAndZeroWeightPass()
    {
        var expected = new Dictionary<string, double> { ["v1"] = 0.7, ["v2"] = 0.3, ["v3"] = 0 };
        Assert.Null(WeightedShares.Check(new Dictionary<string, int> { ["v1"] = 340, ["v2"] = 160 }, expected));
    }

    [Fact]
    public void SharesOutsideToleranceOrOnAZeroWeightFail()
    {
        var expected = new Dictionary<string, double> { ["v1"] = 0.7, ["v2"] = 0.3, ["v3"] = 0 };
        Assert.Contains("v1 got 0.6", WeightedShares.Check(new Dictionary<string, int> { ["v1"] = 300, ["v2"] = 200 }, expected));
        Assert.Contains("v3 has weight 0 but got 1", WeightedShares.Check(new Dictionary<string, int> { ["v1"] = 350, ["v2"] = 149, ["v3"] = 1 }, expected));
        Assert.Contains("not an expected backend", WeightedShares.Check(new Dictionary<string, int> { ["v1"] = 350, ["v2"] = 150, ["other"] = 1 }, expected));
    }

    [Fact]
    public void PodsMapToTheLongestMatchingBackend()
    {
        Assert.Equal("infra-backend-v1", WeightedShares.BackendOf("infra-backend-v1-0", ["infra-backend-v1", "infra-backend-v10"]));
        Assert.Equal("infra-backend-v10", WeightedShares.BackendOf("infra-backend-v10-1", ["infra-backend-v1", "infra-backend-v10"]));
        Assert.Null(WeightedShares.BackendOf("web-backend-0", ["infra-backend-v1"]));
    }

    [Fact]
    public void EvaluatorChecksWhatTheBackendSaw()
    {
        var c = HttpCaseParser.Parse(JsonNode.Parse("""
            {"Request": {"Path": "/add", "Headers": {"Some": "x"}},
             "ExpectedRequest": {"Request": {"Path": "/add", "Headers": {"X-Added": "a,b"}}, "AbsentHeaders": ["Some"]},
             "Backend": "infra-backend-v1", "Namespace": "infra", "$kind": "http"}
            """)!.AsObject(), 0).Case!;
        var target = new RequestTarget("127.0.0.1", 80, "http");
        Assert.Null(CaseEvaluator.Evaluate(c, target, Echo("/add", "infra-backend-v1-0", """{"X-Added": ["a", "b"]}""")));
        Assert.Contains("X-Added", CaseEvaluator.Evaluate(c, target, Echo("/add", "infra-backend-v1-0", """{"X-Added": ["a, b"]}""")));
        Assert.Contains("Some", CaseEvaluator.Evaluate(c, target, Echo("/add", "infra-backend-v1-0", """{"X-Added": ["a", "b"], "Some": ["x"]}""")));
        Assert.Contains("expected backend infra-backend-v1", CaseEvaluator.Evaluate(c, target, Echo("/add", "infra-backend-v2-0", """{"X-Added": ["a", "b"]}""")));
    }

    [Fact]
    public void EvaluatorChecksTheTlsTheBackendWasReachedWith()
    {
        var c = HttpCaseParser.Parse(JsonNode.Parse("""
            {"Request": {"Path": "/tls"}, "ExpectedRequest": {"Request": {"Path": "/tls", "SNI": "abc.example.com", "ClientCert": "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n"}}}
            """)!.AsObject(), 0).Case!;
        var target = new RequestTarget("127.0.0.1", 80, "http");
        CapturedResponse Seen(string? tls) => new(200, new Dictionary<string, IReadOnlyList<string>>(), JsonNode.Parse($$"""
            {"path": "/tls", "host": "", "method": "GET", "namespace": "infra", "pod": "tls-backend-0", "headers": {}{{(tls is null ? "" : ", \"tls\": " + tls)}}}
            """)!.AsObject(), "");

        Assert.Null(CaseEvaluator.Evaluate(c, target, Seen("""{"serverName": "abc.example.com", "peerCertificates": ["-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----"]}""")));
        Assert.Contains("plaintext", CaseEvaluator.Evaluate(c, target, Seen(null)));
        Assert.Contains("SNI abc.example.com", CaseEvaluator.Evaluate(c, target, Seen("""{"serverName": "other.example.com", "peerCertificates": []}""")));
        Assert.Contains("presented none", CaseEvaluator.Evaluate(c, target, Seen("""{"serverName": "abc.example.com", "peerCertificates": []}""")));
        Assert.Contains("another client certificate", CaseEvaluator.Evaluate(c, target, Seen("""{"serverName": "abc.example.com", "peerCertificates": ["-----BEGIN CERTIFICATE-----\nWFla\n-----END CERTIFICATE-----"]}""")));
    }

    [Fact]
    public void RedirectsCompareTheLocation()
    {
        var c = HttpCaseParser.Parse(JsonNode.Parse("""
            {"Request": {"Path": "/p", "UnfollowRedirect": true}, "Response": {"StatusCode": 302},
             "RedirectRequest": {"Scheme": "https", "Host": "example.org"}, "$kind": "http"}
            """)!.AsObject(), 0).Case!;
        var target = new RequestTarget("127.0.0.1", 80, "http");
        Assert.Null(CaseEvaluator.Evaluate(c, target, Redirect("https://example.org/p")));
        // An unset port accepts the scheme's well-known port.
        Assert.Null(CaseEvaluator.Evaluate(c, target, Redirect("https://example.org:443/p")));
        Assert.Contains("port", CaseEvaluator.Evaluate(c, target, Redirect("https://example.org:8443/p")));
        Assert.Contains("scheme", CaseEvaluator.Evaluate(c, target, Redirect("http://example.org/p")));
        Assert.Contains("path", CaseEvaluator.Evaluate(c, target, Redirect("https://example.org/q")));
    }

    private static CapturedResponse Echo(string path, string pod, string headers) =>
        new(200, new Dictionary<string, IReadOnlyList<string>>(), JsonNode.Parse($$"""
            {"path": "{{path}}", "host": "", "method": "GET", "namespace": "infra", "pod": "{{pod}}", "headers": {{headers}}}
            """)!.AsObject(), "");

    private static CapturedResponse Redirect(string location) =>
        new(302, new Dictionary<string, IReadOnlyList<string>> { ["location"] = [location] }, null, "");
}
