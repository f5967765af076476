using System.Net;
using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Conformance.Tests;

/// <summary>
/// What a step expects to grow (<c>increased</c>: generation, conditions' observedGeneration), cluster-scoped object
/// keys, and a policy's per-ancestor conditions: the observed-generation and modify-listeners tests use them.
/// </summary>
public class StepIncreaseTests
{
    private const string Manifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: gwc
        spec:
          controllerName: "{GATEWAY_CONTROLLER_NAME}"
          description: "old"
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: infra
        spec:
          gatewayClassName: gwc
          listeners:
          - name: http
            port: 8080
            protocol: HTTP
        """;

    private static readonly ResourceRef Gateway = new("Gateway", "infra", "gw");

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static JsonObject GatewayAt(long generation, long observed, long listenerObserved) => Json($$$"""
        {"metadata": {"generation": {{{generation}}}},
         "status": {"conditions": [{"type": "Accepted", "status": "True", "observedGeneration": {{{observed}}}}],
                    "listeners": [{"name": "http", "conditions": [{"type": "Programmed", "status": "True", "observedGeneration": {{{listenerObserved}}}}]}]}}
        """);

    [Fact]
    public void AStepsIncreasesAreParsedPerObjectIncludingClusterScopedOnes()
    {
        var step = UpstreamResolutions.Parse("""
            {"T": {"steps": [{"patch": {"GatewayClass/gwc": {"spec": {"description": "new"}}},
              "increased": {"GatewayClass/gwc": ["generation", "observedGeneration"], "Gateway/infra/gw": ["generation"]}}]}}
            """, "upstream.json")["T"].Steps.Single();

        Assert.Equal(new ExpectedIncrease(true, true), step.Increased["GatewayClass/gwc"]);
        Assert.Equal(new ExpectedIncrease(true, false), step.Increased["Gateway/infra/gw"]);
        Assert.Equal(["GatewayClass/gwc"], step.Patches.Keys);
        var test = new ConformanceTest("T", "", [], [], false, false, null, [], [], []) { Steps = [step with { Status = new Dictionary<string, StatusExpectation>() }] };
        Assert.True(StatusChecker.HasChecks(test));
    }

    [Theory]
    [InlineData("""{"increased": []}""", "T.steps[0].increased: expected an object")]
    [InlineData("""{"increased": {"Gateway/infra/gw": []}}""", "T.steps[0].increased.Gateway/infra/gw: expected a non-empty array")]
    [InlineData("""{"increased": {"Gateway/infra/gw": ["generation", "attachedRoutes"]}}""", "T.steps[0].increased.Gateway/infra/gw[1]: unknown 'attachedRoutes'")]
    [InlineData("""{"increased": {"Gateway/gw": ["generation"]}}""", "T.steps[0].increased: expected Kind/namespace/name, got 'Gateway/gw' (Kind/name only for a cluster-scoped kind)")]
    [InlineData("""{"increased": {"Unknown/gw": ["generation"]}}""", "got 'Unknown/gw'")]
    public void MalformedIncreasesAreReportedWithTheirPlace(string stepFields, string expected)
    {
        var json = """{"T": {"steps": [{"patch": {"Gateway/infra/gw": {}}, """ + stepFields[1..] + "]}}";
        var e = Assert.Throws<FormatException>(() => UpstreamResolutions.Parse(json, "upstream.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void KeysNameNamespacedAndClusterScopedObjectsAsResourceRefsWriteThem()
    {
        Assert.Equal(new ResourceRef("GatewayClass", null, "gwc"), ResourceRef.FromKey("GatewayClass/gwc"));
        Assert.Equal(new ResourceRef("Gateway", "infra", "gw"), ResourceRef.FromKey("Gateway/infra/gw"));
        Assert.Equal("GatewayClass/gwc", ResourceRef.Of("GatewayClass", null, "gwc").ToString());
        Assert.Equal("HTTPRoute/default/r", ResourceRef.Of("HTTPRoute", null, "r").ToString());
        Assert.Throws<FormatException>(() => ResourceRef.FromKey("Gateway"));
    }

    [Fact]
    public void AClusterScopedObjectIsPatchedByKindAndName()
    {
        var translator = new ManifestTranslator("skein", "backend", ServicePorts.From([Manifests]), () => IPAddress.Parse("127.1.2.3"));
        var translated = translator.Translate([Manifests]);

        var patched = translator.Patch(translated, new Dictionary<string, JsonObject> { ["GatewayClass/gwc"] = Json("""{"spec": {"description": "new"}}""") });

        var loaded = ResourceLoader.LoadText(patched.Yaml, "test.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var gatewayClass = Assert.IsType<GatewayClassResource>(loaded.Resources.Single(r => r.Kind == "GatewayClass"));
        Assert.Equal("new", gatewayClass.Spec.Description);
        Assert.Equal(ManifestTranslator.ControllerName, gatewayClass.Spec.ControllerName);
        Assert.Contains(new ResourceRef("GatewayClass", null, "gwc"), patched.Resources);
    }

    [Theory]
    [InlineData(true, false, 2, 1, 1, null)]
    [InlineData(true, false, 1, 1, 1, "Gateway/infra/gw: metadata.generation is 1, expected more than 1 (before the step)")]
    [InlineData(false, true, 2, 2, 2, null)]
    [InlineData(false, true, 2, 1, 2, "Gateway/infra/gw: condition Accepted has observedGeneration 1, expected more than 1 (before the step)")]
    [InlineData(false, true, 2, 2, 1, "Gateway/infra/gw: condition listener http Programmed has observedGeneration 1, expected more than 1 (before the step)")]
    public void TheGenerationAndEveryConditionsObservedGenerationMustBeHigherThanBeforeTheStep(
        bool generation, bool observedGeneration, long afterGeneration, long afterObserved, long afterListenerObserved, string? problem)
    {
        var after = GatewayAt(afterGeneration, afterObserved, afterListenerObserved);

        Assert.Equal(problem, IncreaseChecker.Problem(Gateway, GatewayAt(1, 1, 1), after, new ExpectedIncrease(generation, observedGeneration)));
    }

    [Fact]
    public void AnUnsetGenerationOrNoConditionsBeforeTheStepIsAProblem()
    {
        Assert.Contains("metadata.generation is unset", IncreaseChecker.Problem(Gateway, GatewayAt(1, 1, 1), Json("""{"metadata": {}}"""), new ExpectedIncrease(true, false)));
        Assert.Contains("reported no condition before the step", IncreaseChecker.Problem(Gateway, Json("""{"status": {}}"""), GatewayAt(2, 2, 2), new ExpectedIncrease(false, true)));
    }

    [Fact]
    public void ConditionsOfAListenerOrParentTheStepRemovedAreNotCompared()
    {
        var after = Json("""{"metadata": {"generation": 2}, "status": {"conditions": [{"type": "Accepted", "observedGeneration": 2}]}}""");
        Assert.Null(IncreaseChecker.Problem(Gateway, GatewayAt(1, 1, 1), after, new ExpectedIncrease(true, true)));

        var route = new ResourceRef("HTTPRoute", "infra", "r");
        JsonObject Route(long a, long b) => Json($$$"""
            {"status": {"parents": [{"parentRef": {"name": "a"}, "conditions": [{"type": "Accepted", "observedGeneration": {{{a}}}}]},
                                    {"parentRef": {"name": "b"}, "conditions": [{"type": "Accepted", "observedGeneration": {{{b}}}}]}]}}
            """);
        Assert.Null(IncreaseChecker.Problem(route, Route(1, 1), Route(2, 2), new ExpectedIncrease(false, true)));
        Assert.Contains("""parent {"name":"b"} Accepted has observedGeneration 1""", IncreaseChecker.Problem(route, Route(1, 1), Route(2, 1), new ExpectedIncrease(false, true)));
    }

    [Fact]
    public void APolicysConditionsAreComparedPerAncestor()
    {
        var expected = TestStep.ParseStatus(JsonNode.Parse("""
            {"BackendTLSPolicy/infra/p": {"ancestors": {"Gateway/infra/gw": [{"Type": "Accepted", "Status": "True"}]}}}
            """), "status")["BackendTLSPolicy/infra/p"];
        var policy = new ResourceRef("BackendTLSPolicy", "infra", "p");
        JsonObject Ancestors(string entries) => Json($$$"""{"status": {"ancestors": {{{entries}}}}}""");

        Assert.Null(StatusChecker.ObjectProblem(policy, Ancestors("""[{"ancestorRef": {"name": "gw", "namespace": "infra"}, "conditions": [{"type": "Accepted", "status": "True"}]}]"""), expected));
        Assert.Contains("no status.ancestors entry for Gateway/infra/gw", StatusChecker.ObjectProblem(policy, Ancestors("""[{"ancestorRef": {"name": "other"}}]"""), expected));
        Assert.Contains("ancestor Gateway/infra/gw: no condition Accepted=True",
            StatusChecker.ObjectProblem(policy, Ancestors("""[{"ancestorRef": {"name": "gw"}, "conditions": [{"type": "Accepted", "status": "False"}]}]"""), expected));
    }

    [Fact]
    public void TheShippedResolutionsParseAndTheObservedGenerationTestsExpectAHigherGeneration()
    {
        var resolutions = UpstreamResolutions.Load(UpstreamResolutions.DefaultPath);

        foreach (var name in new[] { "GatewayModifyListeners", "GatewayObservedGenerationBump", "GatewayClassObservedGenerationBump", "HTTPRouteObservedGenerationBump", "BackendTLSPolicyObservedGenerationBump" })
        {
            var steps = resolutions[name].Steps;
            Assert.NotEmpty(steps);
            Assert.All(steps, s => Assert.Contains(s.Increased.Values, i => i.Generation));
            Assert.All(steps, s => Assert.Equal(s.Patches.Keys.Order(StringComparer.Ordinal), s.Increased.Keys.Order(StringComparer.Ordinal)));
        }

        Assert.True(resolutions["GatewayClassObservedGenerationBump"].Steps.Single().Increased["GatewayClass/gatewayclass-observed-generation-bump"].ObservedGeneration);
        Assert.Equal(1, resolutions["GatewayModifyListeners"].Steps[1].Status.Single().Value.ListenerCount);
    }
}
