using Skein.Core.Protos.Workload;

namespace Skein.Proxy.State;

/// <summary>Whether a workload is served by a proxy (Istio's tunnel_protocol: HBONE) or outside the mesh (NONE: plain TCP, no proxy).</summary>
public static class MeshMembership
{
    /// <summary>No proxy serves <paramref name="workload"/>: senders connect to it in plain TCP and no node proxy acts for it.</summary>
    public static bool IsOutsideMesh(this Workload workload) => workload.TunnelProtocol == TunnelProtocol.None;

    /// <summary>Whether the node proxy of <paramref name="node"/> serves <paramref name="workload"/> (placed there and in the mesh).</summary>
    public static bool IsServedBy(this Workload workload, string node) => workload.Node == node && !workload.IsOutsideMesh();

    /// <summary>Whether <paramref name="workload"/> is an east-west gateway: its node proxy relays federated peers' tunnels (label <c>skein.dev/network-gateway</c>).</summary>
    public static bool IsNetworkGateway(this Workload workload)
    {
        foreach (var extension in workload.Extensions)
        {
            if (extension.Name == Skein.Core.Resources.NetworkGatewayLabel.ExtensionName)
            {
                return true;
            }
        }

        return false;
    }
}
