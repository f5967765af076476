using System.Text.Json.Nodes;
using Skein.Conformance.Corpus;

namespace Skein.Conformance.Tests;

public class CorpusParsingTests
{
    private const string Json = """
        [
          {
            "shortName": "HTTPRouteWeight",
            "description": "split",
            "features": ["Gateway", "HTTPRoute"],
            "manifests": ["tests/httproute-weight.yaml"],
            "provisional": false,
            "weighted": true,
            "expectedWeights": {"infra-backend-v1": 0.7, "infra-backend-v3": 0},
            "cases": [{"Request": {"Path": "/"}, "Backend": "infra-backend-v1", "$kind": "http"}],
            "statusChecks": ["GatewayAndHTTPRoutesMustBeAccepted"],
            "conditions": [{"Type": "Accepted", "Status": "False", "Reason": "NoMatchingParent"},
                           {"Type": "ResolvedRefs", "Status": "False", "Reason": {"$expr": "tc.reason"}}]
          }
        ]
        """;

    [Fact]
    public void ParsesTestsWithWeightsConditionsAndCases()
    {
        var test = Assert.Single(CorpusLoader.Parse(Json));
        Assert.Equal("HTTPRouteWeight", test.ShortName);
        Assert.Equal(["Gateway", "HTTPRoute"], test.Features);
        Assert.True(test.Weighted);
        Assert.Equal(0.7, test.ExpectedWeights!["infra-backend-v1"]);
        Assert.Equal(0, test.ExpectedWeights["infra-backend-v3"]);
        Assert.Single(test.Cases);
        Assert.Equal(new ExpectedCondition("Accepted", "False", "NoMatchingParent"), test.Conditions[0]);
        Assert.NotNull(test.Conditions[1].Unresolved);
    }

    [Fact]
    public void MissingShortNameIsAnErrorNamingTheEntry()
    {
        var e = Assert.Throws<FormatException>(() => CorpusLoader.Parse("""[{"description": "x"}]""", "c.json"));
        Assert.Contains("c.json: [0].shortName", e.Message);
    }

    [Fact]
    public void InvalidJsonNamesTheLine()
    {
        var e = Assert.Throws<FormatException>(() => CorpusLoader.Parse("[\n{", "c.json"));
        Assert.StartsWith("c.json:", e.Message);
    }

    [Fact]
    public void CaseDefaultsFollowUpstream()
    {
        var parsed = HttpCaseParser.Parse(Obj("""{"Request": {"Path": "/x", "Headers": {"X-A": "1"}}, "Namespace": "ns", "$kind": "http"}"""), 0);
        var c = parsed.Case!;
        Assert.Equal("GET", c.Request.Method);
        Assert.Equal([200], c.Response.StatusCodes);
        // Without ExpectedRequest, the backend must see the request as sent, headers included.
        Assert.Equal("/x", c.ExpectedRequest.Path);
        Assert.Equal("1", c.ExpectedRequest.Headers["x-a"]);
    }

    [Fact]
    public void ClearExpressionsResolveAndOthersSkipTheCase()
    {
        var h2c = HttpCaseParser.Parse(Obj("""{"Request": {"Path": "/", "Protocol": {"$expr": "roundtripper.H2CPriorKnowledgeProtocol"}}, "$kind": "http"}"""), 0);
        Assert.Equal(HttpProtocol.H2c, h2c.Case!.Request.Protocol);

        var percent = HttpCaseParser.Parse(Obj("""{"Request": {"Path": "/m"}, "MirroredTo": [{"BackendRef": {"Name": "b"}, "Percent": {"$expr": "new(int32(20))"}}], "$kind": "http"}"""), 0);
        Assert.Equal(20, percent.Case!.MirroredTo[0].Percent);

        var unclear = HttpCaseParser.Parse(Obj("""{"Request": {"Host": {"$expr": "tc.host"}, "Path": "/"}, "$kind": "http"}"""), 0);
        Assert.Null(unclear.Case);
        Assert.Contains("Request.Host = tc.host", unclear.SkipReason);
    }

    [Fact]
    public void OtherCaseKindsAreReadAsTheirOwnCasesAndUnknownOnesSkipped()
    {
        var grpc = HttpCaseParser.Parse(Obj("""{"EchoRequest": {}, "$kind": "grpc"}"""), 0);
        Assert.Null(grpc.Case);
        Assert.Equal(GrpcMethod.Echo, grpc.Grpc!.Method);
        var udp = HttpCaseParser.Parse(Obj("""{"$kind": "udp"}"""), 0);
        Assert.Contains("udp", udp.SkipReason);
    }

    [Fact]
    public void StatusCodesAndRedirectsAreRead()
    {
        var c = HttpCaseParser.Parse(Obj("""
            {"Request": {"Path": "/r", "UnfollowRedirect": true}, "Response": {"StatusCodes": [301, 302]},
             "RedirectRequest": {"Scheme": "https", "Port": "8443"}, "$kind": "http"}
            """), 3).Case!;
        Assert.Equal([301, 302], c.Response.StatusCodes);
        Assert.True(c.Request.UnfollowRedirect);
        Assert.Equal(new Corpus.HttpCaseRedirect("https", null, "8443", null), c.Redirect);
        Assert.StartsWith("3:", c.Name);
    }

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();
}
