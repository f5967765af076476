using Google.Protobuf.WellKnownTypes;
using Skein.Control.Compiler;
using Skein.Control.Xds;

namespace Skein.Unit.Tests;

public sealed class DeltaSubscriptionTests
{
    private static Dictionary<string, XdsResource> Resources(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => XdsResource.Create(i.Name, new StringValue { Value = i.Value }));

    [Fact]
    public void A_wildcard_subscription_gets_everything_then_only_changes_and_removals()
    {
        var sub = new DeltaSubscription("t");
        sub.Subscribe([], [], first: true);

        var (updated, removed) = sub.Diff(Resources(("a", "1"), ("b", "1")));
        Assert.Equal(["a", "b"], updated.Select(r => r.Name).Order());
        Assert.Empty(removed);

        (updated, removed) = sub.Diff(Resources(("a", "1"), ("b", "2")));
        Assert.Equal(["b"], updated.Select(r => r.Name));
        Assert.Empty(removed);

        (updated, removed) = sub.Diff(Resources(("b", "2")));
        Assert.Empty(updated);
        Assert.Equal(["a"], removed);
    }

    [Fact]
    public void Initial_resource_versions_from_a_reconnecting_proxy_suppress_resends()
    {
        var desired = Resources(("a", "1"), ("b", "1"));
        var sub = new DeltaSubscription("t");
        sub.Subscribe(["*"], [new("a", desired["a"].Version), new("gone", "x")], first: true);

        var (updated, removed) = sub.Diff(desired);
        Assert.Equal(["b"], updated.Select(r => r.Name));
        Assert.Equal(["gone"], removed);
    }

    [Fact]
    public void Explicit_names_limit_a_non_wildcard_subscription()
    {
        var sub = new DeltaSubscription("t");
        sub.Subscribe(["b"], [], first: false);
        var (updated, _) = sub.Diff(Resources(("a", "1"), ("b", "1")));
        Assert.Equal(["b"], updated.Select(r => r.Name));

        sub.Unsubscribe(["b"]);
        (updated, var removed) = sub.Diff(Resources(("a", "1"), ("b", "2")));
        Assert.Empty(updated);
        Assert.Empty(removed);
    }
}
