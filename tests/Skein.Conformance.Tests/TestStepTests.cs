using System.Net;
using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Conformance.Tests;

/// <summary>Multi-step tests: upstream.json steps, merge patches applied to translated manifests, address placeholders and their checks.</summary>
public class TestStepTests
{
    private const string Gateway = "Gateway/infra/gw";

    private const string Resolution = """
        {"T": {"source": "t.go", "conditions": [],
          "status": {"Gateway/infra/gw": {"conditions": [{"Type": "Accepted", "Status": "False", "Reason": "UnsupportedAddress"}]}},
          "steps": [
            {"name": "drop the fake address",
             "patch": {"Gateway/infra/gw": {"spec": {"addresses": [{"value": "PLACEHOLDER_USABLE_ADDRS"}]}}},
             "status": {"Gateway/infra/gw": {"conditions": [{"Type": "Programmed", "Status": "True"}],
                        "listeners": {"http": {"supportedKinds": ["HTTPRoute"], "attachedRoutes": 0}},
                        "addresses": [{"value": "PLACEHOLDER_USABLE_ADDRS"}]}},
             "cases": [{"Request": {"Path": "/"}, "Response": {"StatusCode": 404}}]},
            {"patch": {"HTTPRoute/infra/r": {"metadata": {"labels": {"step": "2"}}}}}
          ]}}
        """;

    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: infra
        spec:
          gatewayClassName: "{GATEWAY_CLASS_NAME}"
          addresses:
          - type: "test/fake-invalid-type"
            value: "fake address"
          - value: "PLACEHOLDER_UNUSABLE_ADDRS"
          - value: "PLACEHOLDER_USABLE_ADDRS"
          listeners:
          - name: http
            port: 8080
            protocol: HTTP
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: r
          namespace: infra
        spec:
          parentRefs:
          - name: gw
          rules:
          - backendRefs:
            - name: "backend"
              port: 8080
        """;

    private static readonly StaticAddresses Addresses = new(IPAddress.Parse("127.58.1.10"), IPAddress.Parse("192.0.2.1"));

    private static ManifestTranslator Translator() =>
        new("skein", "backend", ServicePorts.From([Manifests]), () => IPAddress.Parse("127.1.2.3")) { StaticAddresses = Addresses };

    private static GatewayResource LoadedGateway(string yaml)
    {
        var result = ResourceLoader.LoadText(yaml, "test.yaml");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return Assert.IsType<GatewayResource>(result.Resources.Single(r => r.Kind == "Gateway"));
    }

    [Fact]
    public void StepsAreParsedWithTheirPatchesStatusAndCasesAndCarriedIntoTheTest()
    {
        var resolution = UpstreamResolutions.Parse(Resolution, "upstream.json")["T"];
        var test = UpstreamResolutions.Apply(
            new ConformanceTest("T", "", [], [], false, false, null, [], [], [new ExpectedCondition("Accepted", "True", "Accepted")]),
            resolution);

        Assert.Equal(2, test.Steps.Count);
        Assert.Empty(test.Conditions);
        Assert.Equal("step 1 (drop the fake address)", test.Steps[0].Label(0));
        Assert.Equal("step 2", test.Steps[1].Label(1));
        Assert.Equal([Gateway], test.Steps[0].Patches.Keys);
        Assert.Single(test.Steps[0].Cases);
        Assert.Equal(["HTTPRoute"], test.Steps[0].Status[Gateway].Listeners["http"].SupportedKinds);
        Assert.Equal([new ExpectedAddress(null, "PLACEHOLDER_USABLE_ADDRS")], test.Steps[0].Status[Gateway].Addresses);
        Assert.Empty(test.Steps[1].Status);
        Assert.True(StatusChecker.HasChecks(test with { ExpectedStatus = new Dictionary<string, StatusExpectation>() }));
    }

    [Fact]
    public void AStepMayNameTheStatusChecksThatStillHoldOrKeepTheTests()
    {
        var steps = UpstreamResolutions.Parse("""
            {"T": {"steps": [
              {"patch": {"ReferenceGrant/web/grant": {"spec": {"to": []}}}, "statusChecks": []},
              {"patch": {"ReferenceGrant/web/grant": {"spec": {"to": []}}}, "statusChecks": ["GatewayMustHaveLatestConditions"]},
              {"patch": {"ReferenceGrant/web/grant": {"spec": {"to": []}}}}]}}
            """, "upstream.json")["T"].Steps;

        Assert.Equal([], steps[0].StatusChecks);
        Assert.Equal(["GatewayMustHaveLatestConditions"], steps[1].StatusChecks);
        Assert.Null(steps[2].StatusChecks);
        var e = Assert.Throws<FormatException>(() => UpstreamResolutions.Parse("""{"T": {"steps": [{"patch": {"A/b/c": {}}, "statusChecks": "x"}]}}""", "upstream.json"));
        Assert.Contains("T.steps[0].statusChecks: expected an array of check names", e.Message);
    }

    [Theory]
    [InlineData("""{"T": {"steps": {}}}""", "T.steps: expected an array")]
    [InlineData("""{"T": {"steps": [{"status": {}}]}}""", "T.steps[0].patch: required object")]
    [InlineData("""{"T": {"steps": [{"patch": {}}]}}""", "T.steps[0].patch: names no object to change")]
    [InlineData("""{"T": {"steps": [{"patch": {"Gateway/gw": {}}}]}}""", "T.steps[0].patch: expected Kind/namespace/name, got 'Gateway/gw'")]
    [InlineData("""{"T": {"steps": [{"patch": {"Gateway/infra/gw": []}}]}}""", "T.steps[0].patch.Gateway/infra/gw: expected a merge patch object")]
    [InlineData("""{"T": {"steps": [{"patch": {"Gateway/infra/gw": {}}, "status": {"Gateway/infra/gw": {"addresses": [{"type": "IPAddress"}]}}}]}}""", "addresses[0]: expected an object with a string value")]
    public void MalformedStepsAreReportedWithTheirPlace(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => UpstreamResolutions.Parse(json, "upstream.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MergePatchFollowsRfc7386()
    {
        var target = JsonNode.Parse("""{"a": "b", "c": {"d": "e", "f": "g"}, "list": [1, 2, 3]}""");
        var patch = JsonNode.Parse("""{"a": "z", "c": {"f": null, "h": {"i": 1}}, "list": [4]}""");

        var result = MergePatch.Apply(target, patch);

        Assert.Equal("""{"a":"z","c":{"d":"e","h":{"i":1}},"list":[4]}""", result!.ToJsonString());
        Assert.Equal("""{"a":"b","c":{"d":"e","f":"g"},"list":[1,2,3]}""", target!.ToJsonString());
        Assert.Equal("[1]", MergePatch.Apply(target, JsonNode.Parse("[1]"))!.ToJsonString());
        Assert.Equal("""{"x":1}""", MergePatch.Apply(JsonNode.Parse("[1]"), JsonNode.Parse("""{"x": 1}"""))!.ToJsonString());
    }

    [Fact]
    public void YamlRoundTripsKeepPlainScalarTypesAndQuotedStrings()
    {
        var doc = ManifestDocuments.Split("""
            a: 8080
            b: "8080"
            c: true
            d: ~
            e: 1.5
            f: text
            g: [x, "y"]
            """).Single();

        var json = YamlJson.ToJson(doc.Root!);

        Assert.Equal("""{"a":8080,"b":"8080","c":true,"d":null,"e":1.5,"f":"text","g":["x","y"]}""", json!.ToJsonString());
        var again = ManifestDocuments.Split(YamlJson.ToYamlText(json)).Single();
        Assert.Equal(json.ToJsonString(), YamlJson.ToJson(again.Root!)!.ToJsonString());
        Assert.DoesNotContain("...", YamlJson.ToYamlText(json), StringComparison.Ordinal);
    }

    [Fact]
    public void PlaceholdersInGatewayAddressesBecomeTheRunnersAddresses()
    {
        var translated = Translator().Translate([Manifests]);

        var addresses = LoadedGateway(translated.Yaml).Spec.Addresses;
        Assert.Equal(["test/fake-invalid-type fake address", "IPAddress 192.0.2.1", "IPAddress 127.58.1.10"], addresses.Select(a => $"{a.Type} {a.Value}"));
        Assert.Equal(8080, LoadedGateway(translated.Yaml).Spec.Listeners.Single().Port);
        Assert.Contains("name: \"backend\"", translated.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void APatchChangesTheNamedObjectSubstitutesAgainAndLeavesTheOthersAsWritten()
    {
        var translator = Translator();
        var translated = translator.Translate([Manifests]);
        var step = UpstreamResolutions.Parse(Resolution, "upstream.json")["T"].Steps[0];

        var patched = translator.Patch(translated, step.Patches);

        var gateway = LoadedGateway(patched.Yaml);
        Assert.Equal(["IPAddress 127.58.1.10"], gateway.Spec.Addresses.Select(a => $"{a.Type} {a.Value}"));
        Assert.Equal("http", gateway.Spec.Listeners.Single().Name);
        var routeText = ManifestDocuments.Split(translated.Yaml).Single(d => d.Kind == "HTTPRoute").Text;
        Assert.Equal(routeText, ManifestDocuments.Split(patched.Yaml).Single(d => d.Kind == "HTTPRoute").Text);
        Assert.Equal(translated.Resources, patched.Resources);
    }

    [Fact]
    public void APatchOfAnObjectTheTestDoesNotHaveIsAnError()
    {
        var translator = Translator();
        var e = Assert.Throws<FormatException>(() => translator.Patch(translator.Translate([Manifests]),
            new Dictionary<string, JsonObject> { ["Gateway/other/gw"] = new() { ["spec"] = new JsonObject() } }));
        Assert.Contains("Gateway/other/gw: no such object", e.Message);
    }

    [Fact]
    public void AddressExpectationsResolvePlaceholdersAndCompareTheWholeList()
    {
        var expected = Addresses.Resolve(UpstreamResolutions.Parse(Resolution, "upstream.json")["T"].Steps[0].Status[Gateway]);
        var reference = new ResourceRef("Gateway", "infra", "gw");
        JsonObject Status(string addresses) => JsonNode.Parse($$$"""
            {"status": {"conditions": [{"type": "Programmed", "status": "True"}], "addresses": {{{addresses}}},
             "listeners": [{"name": "http", "attachedRoutes": 0, "supportedKinds": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}, {"kind": "GRPCRoute"}]}]}}
            """)!.AsObject();

        Assert.Equal([new ExpectedAddress("IPAddress", "127.58.1.10")], expected.Addresses);
        Assert.Null(StatusChecker.ObjectProblem(reference, Status("""[{"type": "IPAddress", "value": "127.58.1.10"}]"""), expected));
        Assert.Contains("status.addresses is [IPAddress 127.58.1.10, IPAddress 127.241.0.1], expected [IPAddress 127.58.1.10]",
            StatusChecker.ObjectProblem(reference, Status("""[{"type": "IPAddress", "value": "127.58.1.10"}, {"type": "IPAddress", "value": "127.241.0.1"}]"""), expected));
        Assert.Contains("status.addresses is [Hostname 127.58.1.10]",
            StatusChecker.ObjectProblem(reference, Status("""[{"type": "Hostname", "value": "127.58.1.10"}]"""), expected));
    }

    [Fact]
    public void SupportedKindsMustIncludeTheExpectedOnesAndNoneMeansNone()
    {
        var reference = new ResourceRef("Gateway", "infra", "gw");
        JsonObject Listener(string kinds) => JsonNode.Parse($$$"""{"status": {"listeners": [{"name": "http", "supportedKinds": {{{kinds}}}}]}}""")!.AsObject();
        StatusExpectation Expect(params string[] kinds) => new()
        {
            Listeners = new Dictionary<string, ListenerExpectation> { ["http"] = new([], null) { SupportedKinds = kinds } },
        };

        Assert.Null(StatusChecker.ObjectProblem(reference, Listener("""[{"kind": "HTTPRoute"}, {"kind": "GRPCRoute"}]"""), Expect("HTTPRoute")));
        Assert.Contains("expected to include gateway.networking.k8s.io/TCPRoute", StatusChecker.ObjectProblem(reference, Listener("""[{"kind": "HTTPRoute"}]"""), Expect("TCPRoute")));
        Assert.Contains("expected none", StatusChecker.ObjectProblem(reference, Listener("""[{"kind": "HTTPRoute"}]"""), Expect()));
        Assert.Null(StatusChecker.ObjectProblem(reference, Listener("[]"), Expect()));
    }
}
