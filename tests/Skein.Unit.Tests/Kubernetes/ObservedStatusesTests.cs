using System.Text.Json.Nodes;
using Skein.Control.Sources.Kubernetes;
using Skein.Core.Resources;

namespace Skein.Unit.Tests.Kubernetes;

public sealed class ObservedStatusesTests
{
    private static readonly ResourceKey Route = new("HTTPRoute", "default", "r");

    [Fact]
    public void Skeins_status_write_keeps_other_controllers_parent_entries_and_replaces_its_own()
    {
        var observed = new ObservedStatuses();
        observed.Record(Route, JsonNode.Parse("""
            { "parents": [
              { "controllerName": "example.com/other", "parentRef": { "name": "theirs" }, "conditions": [] },
              { "controllerName": "skein.dev/gateway-controller", "parentRef": { "name": "stale" }, "conditions": [] } ] }
            """));

        var merged = observed.Merge(Route, JsonNode.Parse("""
            { "parents": [ { "controllerName": "skein.dev/gateway-controller", "parentRef": { "name": "ours" }, "conditions": [] } ] }
            """)!);

        Assert.Equal(["theirs", "ours"], merged["parents"]!.AsArray().Select(p => p!["parentRef"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void Without_an_observed_status_or_after_forgetting_it_skeins_status_is_written_as_is()
    {
        var observed = new ObservedStatuses();
        var ours = JsonNode.Parse("""{ "ancestors": [ { "controllerName": "skein.dev/gateway-controller" } ] }""")!;
        Assert.Same(ours, observed.Merge(Route, ours));

        observed.Record(Route, JsonNode.Parse("""{ "ancestors": [ { "controllerName": "example.com/other" } ] }"""));
        observed.Forget(Route);
        Assert.Same(ours, observed.Merge(Route, ours));
    }
}
