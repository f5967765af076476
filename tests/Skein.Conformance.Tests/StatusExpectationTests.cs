using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Translation;

namespace Skein.Conformance.Tests;

/// <summary>Per-object status expectations from upstream.json, and how the checker compares them with an object's status.</summary>
public class StatusExpectationTests
{
    private const string Resolution = """
        {"T": {"source": "t.go", "status": {
          "Gateway/infra/gw": {"conditions": [{"Type": "Accepted", "Status": "True"}], "attachedListenerSets": 1},
          "ListenerSet/infra/ls": {"listenerCount": 1, "listeners": {"http": {"conditions": [{"Type": "Programmed", "Status": "True"}], "attachedRoutes": 2}}},
          "HTTPRoute/infra/r": {"parents": {"ListenerSet/infra/ls": [{"Type": "Accepted", "Status": "True", "Reason": "Accepted"}]}, "exactParents": true}}}}
        """;

    private static readonly IReadOnlyDictionary<string, StatusExpectation> Status = UpstreamResolutions.Parse(Resolution, "upstream.json")["T"].Status;

    private static JsonObject Object(string status) => JsonNode.Parse($$"""{"status": {{status}}}""")!.AsObject();

    [Fact]
    public void AppliedResolutionsCarryTheirStatusIntoTheTest()
    {
        var test = new ConformanceTest("T", "", [], [], false, false, null, [], [], []);
        var applied = UpstreamResolutions.Apply(test, UpstreamResolutions.Parse(Resolution, "upstream.json")["T"]);

        Assert.Equal(["Gateway/infra/gw", "HTTPRoute/infra/r", "ListenerSet/infra/ls"], applied.ExpectedStatus.Keys.Order());
        Assert.True(StatusChecker.HasChecks(applied));
    }

    [Fact]
    public void AttachedListenerSetsAndConditionsAreCompared()
    {
        var gateway = new ResourceRef("Gateway", "infra", "gw");
        Assert.Null(StatusChecker.ObjectProblem(gateway, Object("""{"conditions": [{"type": "Accepted", "status": "True"}], "attachedListenerSets": 1}"""), Status["Gateway/infra/gw"]));
        Assert.Contains("attachedListenerSets is 0, expected 1", StatusChecker.ObjectProblem(gateway, Object("""{"conditions": [{"type": "Accepted", "status": "True"}]}"""), Status["Gateway/infra/gw"]));
        Assert.Contains("no condition Accepted=True", StatusChecker.ObjectProblem(gateway, Object("""{"conditions": [{"type": "Accepted", "status": "False"}], "attachedListenerSets": 1}"""), Status["Gateway/infra/gw"]));
    }

    [Fact]
    public void ListenersAreComparedByNameCountConditionsAndAttachedRoutes()
    {
        var ls = new ResourceRef("ListenerSet", "infra", "ls");
        var expected = Status["ListenerSet/infra/ls"];
        Assert.Null(StatusChecker.ObjectProblem(ls, Object("""{"listeners": [{"name": "http", "attachedRoutes": 2, "conditions": [{"type": "Programmed", "status": "True"}]}]}"""), expected));
        Assert.Contains("attachedRoutes is 1, expected 2", StatusChecker.ObjectProblem(ls, Object("""{"listeners": [{"name": "http", "attachedRoutes": 1, "conditions": [{"type": "Programmed", "status": "True"}]}]}"""), expected));
        Assert.Contains("2 listeners in status, expected 1", StatusChecker.ObjectProblem(ls, Object("""{"listeners": [{"name": "http"}, {"name": "other"}]}"""), expected));
        Assert.Contains("no status for listener http", StatusChecker.ObjectProblem(ls, Object("""{"listeners": [{"name": "other"}]}"""), expected));
    }

    [Fact]
    public void RouteParentsAreMatchedByKindNamespaceAndNameAndMustBeExactWhenAsked()
    {
        var route = new ResourceRef("HTTPRoute", "infra", "r");
        var expected = Status["HTTPRoute/infra/r"];
        const string LsParent = """{"parentRef": {"kind": "ListenerSet", "name": "ls"}, "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]}""";
        Assert.Null(StatusChecker.ObjectProblem(route, Object("""{"parents": [""" + LsParent + "]}"), expected));
        Assert.Contains("no status.parents entry for ListenerSet/infra/ls", StatusChecker.ObjectProblem(route, Object("""{"parents": [{"parentRef": {"name": "ls"}}]}"""), expected));
        Assert.Contains("not one of its parentRefs", StatusChecker.ObjectProblem(route, Object("""{"parents": [""" + LsParent + """, {"parentRef": {"name": "gw"}}]}"""), expected));
    }

    [Fact]
    public void AStatusKeyMustBeKindNamespaceName()
    {
        var e = Assert.Throws<FormatException>(() => UpstreamResolutions.Parse("""{"T": {"status": {"Gateway/gw": {}}}}""", "upstream.json"));
        Assert.Contains("T.status: expected Kind/namespace/name", e.Message);
    }
}
