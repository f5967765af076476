using Skein.Control.Gateway;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Ca;

/// <summary>Which workload identities a node may be issued: those of the in-mesh Workloads and the Gateways placed on it.</summary>
/// <remarks>
/// A Gateway's identity is <c>ns/&lt;gateway namespace&gt;/sa/&lt;gateway name&gt;</c>; only the node its
/// gateway or waypoint proxies run on (annotation skein.dev/node, or the class's default node) may hold it.
/// </remarks>
public static class NodeIdentityGrants
{
    public static bool Allows(ConfigSnapshot snapshot, GatewayApiResult gateways, string node, string ns, string serviceAccount, out string reason)
    {
        reason = "";
        var outsideMesh = DataplaneMode.OutsideMeshTest(snapshot.Resources.Values);
        var placed = snapshot.OfType<WorkloadResource>().Where(w => w.Spec.Node == node && w.Metadata.Namespace == ns && w.Spec.ServiceAccount == serviceAccount).ToList();
        if (placed.Any(w => !outsideMesh(w)))
        {
            return true;
        }

        if (gateways.Gateways.Any(g => g.Node == node && g.Namespace == ns && g.Resource.Metadata.Name == serviceAccount))
        {
            return true;
        }

        if (placed.Count > 0)
        {
            // No proxy serves a workload outside the mesh, so nothing on the node may act as it.
            reason = $"the workloads with service account {ns}/{serviceAccount} on node {node} are outside the mesh ({DataplaneMode.Label}: {DataplaneMode.None}); no proxy serves them";
            return false;
        }

        reason = $"no workload with service account {ns}/{serviceAccount} and no Gateway {ns}/{serviceAccount} is placed on node {node}";
        return false;
    }
}
