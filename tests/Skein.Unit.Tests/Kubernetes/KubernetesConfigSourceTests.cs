using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control.Sources.Kubernetes;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Unit.Tests.Kubernetes;

public sealed class KubernetesConfigSourceTests
{
    private static readonly KubernetesKind Policies = KubernetesKind.Find("AuthorizationPolicy")!;
    private static readonly KubernetesKind Pods = KubernetesKind.Find("Pod")!;

    [Fact]
    public void An_invalid_edit_is_reported_by_name_field_and_reason_while_the_last_good_version_keeps_serving()
    {
        var (store, source) = Create();
        source.Replace(Policies, [FakeKubernetesApi.Policy("p", "1", "DENY")]);

        source.Upsert(Policies, FakeKubernetesApi.Policy("p", "2", "BLOCK"));

        var error = Assert.Single(store.Current.Errors);
        Assert.Equal("AuthorizationPolicy default/p", error.File);
        Assert.Equal("spec.action", error.Field);
        Assert.Contains("BLOCK", error.Message, StringComparison.Ordinal);
        var served = Assert.IsType<AuthorizationPolicyResource>(Assert.Single(store.Current.Resources.Values));
        Assert.Equal("DENY", served.Spec.Action.ToString().ToUpperInvariant());

        source.Delete(Policies, FakeKubernetesApi.Policy("p", "3", "BLOCK"));
        Assert.Empty(store.Current.Errors);
        Assert.Empty(store.Current.Resources);
    }

    [Fact]
    public void A_status_or_resourceVersion_only_change_is_not_a_config_change()
    {
        var (store, source) = Create();
        source.Replace(Policies, [FakeKubernetesApi.Policy("p", "1")]);
        var version = store.Current.Version;

        var withStatus = FakeKubernetesApi.Policy("p", "2");
        withStatus["status"] = new System.Text.Json.Nodes.JsonObject { ["conditions"] = new System.Text.Json.Nodes.JsonArray() };
        source.Upsert(Policies, withStatus);

        Assert.Equal(version, store.Current.Version);
    }

    [Fact]
    public void A_relist_removes_objects_that_are_gone_in_one_change()
    {
        var (store, source) = Create();
        source.Replace(Policies, [FakeKubernetesApi.Policy("a", "1"), FakeKubernetesApi.Policy("b", "2")]);
        var version = store.Current.Version;

        source.Replace(Policies, [FakeKubernetesApi.Policy("b", "2")]);

        Assert.Equal(version + 1, store.Current.Version);
        Assert.Equal(["b"], store.Current.Resources.Values.Select(r => r.Metadata.Name));
    }

    [Fact]
    public void A_pod_becomes_a_workload_when_it_gets_an_ip_and_stops_being_one_when_it_terminates()
    {
        var (store, source) = Create();
        var pending = PodWorkloadsTests.Pod();
        pending["status"]!.AsObject().Remove("podIP");
        pending["status"]!.AsObject().Remove("podIPs");
        source.Replace(Pods, [pending]);
        Assert.Empty(store.Current.Resources);

        source.Upsert(Pods, PodWorkloadsTests.Pod());
        var workload = Assert.IsType<WorkloadResource>(Assert.Single(store.Current.Resources.Values));
        Assert.Equal(["10.0.0.7", "fd00::7"], workload.Spec.Addresses);

        var terminating = PodWorkloadsTests.Pod();
        terminating["metadata"]!["deletionTimestamp"] = "2026-11-25T00:00:00Z";
        source.Upsert(Pods, terminating);
        Assert.Empty(store.Current.Resources);
    }

    private static (ConfigStore Store, KubernetesConfigSource Source) Create()
    {
        var store = new ConfigStore(NullLogger<ConfigStore>.Instance);
        return (store, new KubernetesConfigSource(store, new FakeKubernetesApi(), new ObservedStatuses(), NullLogger<KubernetesConfigSource>.Instance));
    }
}
