using System.Text.Json.Nodes;
using Skein.Control.Sources.Kubernetes;

namespace Skein.Unit.Tests.Kubernetes;

public sealed class PodWorkloadsTests
{
    [Fact]
    public void A_running_pod_with_an_ip_becomes_a_workload_on_its_node_with_its_identity_labels_and_named_ports()
    {
        var workload = PodWorkloads.ToWorkload(Pod())!;

        Assert.Equal("skein.dev/v1alpha1", workload["apiVersion"]!.GetValue<string>());
        Assert.Equal("Workload", workload["kind"]!.GetValue<string>());
        Assert.Equal("reviews-1", workload["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("shop", workload["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("reviews", workload["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Null(workload["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.Equal(["10.0.0.7", "fd00::7"], workload["spec"]!["addresses"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("reviews-sa", workload["spec"]!["serviceAccount"]!.GetValue<string>());
        Assert.Equal("node-a", workload["spec"]!["node"]!.GetValue<string>());
        Assert.Equal(9080, workload["spec"]!["ports"]!["http"]!.GetValue<int>());
        Assert.Equal(15090, workload["spec"]!["ports"]!["metrics"]!.GetValue<int>());
        Assert.Equal(2, workload["spec"]!["ports"]!.AsObject().Count); // the unnamed port has no name to be looked up by
    }

    [Fact]
    public void The_mapped_workload_passes_the_same_validation_as_a_file_defined_one()
    {
        var kind = KubernetesKind.Find("Pod")!;
        var document = KubernetesDocuments.ToDocument(kind, Pod())!;
        var result = KubernetesDocuments.Load(KubernetesDocuments.DisplayName(kind, Pod()), document);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var loaded = Assert.IsType<Skein.Core.Resources.WorkloadResource>(Assert.Single(result.Resources));
        Assert.Equal("node-a", loaded.Spec.Node);
    }

    [Fact]
    public void Only_podIP_is_used_when_podIPs_is_absent_and_the_service_account_defaults()
    {
        var pod = Pod();
        pod["status"]!.AsObject().Remove("podIPs");
        pod["spec"]!.AsObject().Remove("serviceAccountName");

        var workload = PodWorkloads.ToWorkload(pod)!;

        Assert.Equal(["10.0.0.7"], workload["spec"]!["addresses"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("default", workload["spec"]!["serviceAccount"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("no-ip")]
    [InlineData("unscheduled")]
    [InlineData("terminating")]
    [InlineData("succeeded")]
    [InlineData("failed")]
    [InlineData("host-network")]
    public void Pods_that_cannot_receive_traffic_are_not_workloads(string state)
    {
        var pod = Pod();
        switch (state)
        {
            case "no-ip":
                pod["status"]!.AsObject().Remove("podIP");
                pod["status"]!.AsObject().Remove("podIPs");
                break;
            case "unscheduled":
                pod["spec"]!.AsObject().Remove("nodeName");
                break;
            case "terminating":
                pod["metadata"]!["deletionTimestamp"] = "2026-11-25T00:00:00Z";
                break;
            case "succeeded":
                pod["status"]!["phase"] = "Succeeded";
                break;
            case "failed":
                pod["status"]!["phase"] = "Failed";
                break;
            case "host-network":
                pod["spec"]!["hostNetwork"] = true;
                break;
        }

        Assert.Null(PodWorkloads.ToWorkload(pod));
    }

    internal static JsonObject Pod() => JsonNode.Parse("""
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "reviews-1", "namespace": "shop", "uid": "4f1c", "resourceVersion": "42",
            "labels": { "app": "reviews", "version": "v2" },
            "annotations": { "kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "books" }
          },
          "spec": {
            "nodeName": "node-a",
            "serviceAccountName": "reviews-sa",
            "containers": [
              { "name": "app", "ports": [ { "name": "http", "containerPort": 9080 }, { "containerPort": 9999 } ] },
              { "name": "sidecar", "ports": [ { "name": "metrics", "containerPort": 15090 }, { "name": "http", "containerPort": 1 } ] }
            ]
          },
          "status": { "phase": "Running", "podIP": "10.0.0.7", "podIPs": [ { "ip": "10.0.0.7" }, { "ip": "fd00::7" } ] }
        }
        """)!.AsObject();
}
