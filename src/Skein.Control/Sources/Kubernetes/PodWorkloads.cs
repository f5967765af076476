using System.Text.Json.Nodes;

namespace Skein.Control.Sources.Kubernetes;

/// <summary>Maps a Pod to the Workload document a node proxy serves, or to nothing when the pod cannot receive traffic.</summary>
/// <remarks>
/// The result is an ordinary skein.dev Workload, so it goes through the same validation as a file-defined one and
/// reaches node proxies the same way. Pods without an IP (not scheduled or not started), terminating or finished
/// pods and host-network pods (their IP is the node's, shared with everything else there) are not workloads.
/// </remarks>
public static class PodWorkloads
{
    public static JsonObject? ToWorkload(JsonObject pod)
    {
        var meta = pod["metadata"] as JsonObject;
        var spec = pod["spec"] as JsonObject;
        var status = pod["status"] as JsonObject;
        if (meta is null || spec is null || status is null || meta["deletionTimestamp"] is not null)
        {
            return null;
        }

        var phase = status["phase"]?.GetValue<string>();
        if (phase is "Succeeded" or "Failed" || spec["hostNetwork"]?.GetValue<bool>() == true)
        {
            return null;
        }

        var addresses = new List<string>();
        if (status["podIPs"] is JsonArray podIps)
        {
            addresses.AddRange(podIps.Select(p => p?["ip"]?.GetValue<string>()).OfType<string>());
        }

        if (addresses.Count == 0 && status["podIP"]?.GetValue<string>() is { Length: > 0 } podIp)
        {
            addresses.Add(podIp);
        }

        var node = spec["nodeName"]?.GetValue<string>();
        if (addresses.Count == 0 || string.IsNullOrEmpty(node))
        {
            return null;
        }

        var workloadMeta = new JsonObject
        {
            ["name"] = meta["name"]?.DeepClone(),
            ["namespace"] = meta["namespace"]?.DeepClone() ?? "default",
        };
        foreach (var copied in new[] { "labels", "annotations", "uid" })
        {
            if (meta[copied] is { } value)
            {
                workloadMeta[copied] = value.DeepClone();
            }
        }

        if (workloadMeta["annotations"] is JsonObject annotations)
        {
            // kubectl's copy of the whole applied Pod is not the Workload's business and only bloats the store.
            annotations.Remove("kubectl.kubernetes.io/last-applied-configuration");
        }

        var workloadSpec = new JsonObject
        {
            ["addresses"] = new JsonArray([.. addresses.Distinct().Select(a => (JsonNode)a)]),
            ["serviceAccount"] = spec["serviceAccountName"]?.DeepClone() ?? spec["serviceAccount"]?.DeepClone() ?? "default",
            ["node"] = node,
        };
        var ports = NamedPorts(spec);
        if (ports.Count > 0)
        {
            workloadSpec["ports"] = ports;
        }

        return new JsonObject
        {
            ["apiVersion"] = "skein.dev/v1alpha1",
            ["kind"] = "Workload",
            ["metadata"] = workloadMeta,
            ["spec"] = workloadSpec,
        };
    }

    /// <summary>Named container ports, so a Service's named targetPort resolves to the pod's port as in Kubernetes.</summary>
    private static JsonObject NamedPorts(JsonObject spec)
    {
        var ports = new JsonObject();
        foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (port["name"]?.GetValue<string>() is { Length: > 0 } name && port["containerPort"] is JsonValue number && !ports.ContainsKey(name))
                {
                    ports[name] = number.DeepClone();
                }
            }
        }

        return ports;
    }
}
