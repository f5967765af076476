using Skein.Control.Gateway;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Ca;

/// <summary>Which workload identities a node may be issued: those of the Workloads and Gateways placed on it.</summary>
/// <remarks>
/// A Gateway's identity is <c>ns/&lt;gateway namespace&gt;/sa/&lt;gateway name&gt;</c>; only the node its
/// gateway or waypoint proxies run on (annotation skein.dev/node, or the class's default node) may hold it.
/// </remarks>
public static class NodeIdentityGrants
{
    public static bool Allows(ConfigSnapshot snapshot, GatewayApiResult gateways, string node, string ns, string serviceAccount, out string reason)
    {
        reason = "";
        if (snapshot.OfType<WorkloadResource>().Any(w => w.Spec.Node == node && w.Metadata.Namespace == ns && w.Spec.ServiceAccount == serviceAccount))
        {
            return true;
        }

        if (gateways.Gateways.Any(g => g.Node == node && g.Namespace == ns && g.Resource.Metadata.Name == serviceAccount))
        {
            return true;
        }

        reason = $"no workload with service account {ns}/{serviceAccount} and no Gateway {ns}/{serviceAccount} is placed on node {node}";
        return false;
    }
}
