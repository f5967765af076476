using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Skein.Conformance.Harness;

/// <summary>
/// What mesh (GAMMA) tests need beyond the base manifests: a waypoint Gateway (class skein-waypoint) in each
/// mesh namespace, the namespace label that sends its Services' traffic there, and a meshed client Workload
/// whose SOCKS listener (the node proxy's, on the client's address) the runner sends requests through.
/// </summary>
public static class MeshClient
{
    /// <summary>The waypoint Gateway's name in each mesh namespace.</summary>
    public const string WaypointName = "mesh-waypoint";

    /// <summary>The label a Namespace carries to use a waypoint.</summary>
    public const string UseWaypointLabel = "skein.dev/use-waypoint";

    /// <summary>The node proxy's SOCKS5 port, served on each workload's own address.</summary>
    public const int SocksPort = 15080;

    /// <summary>The waypoint Gateway for <paramref name="ns"/>, and the client Workload when <paramref name="client"/> is given.</summary>
    public static string Yaml(string ns, IPAddress? client, string node)
    {
        static string Q(string s) => JsonSerializer.Serialize(s);
        var yaml = new StringBuilder()
            .Append("---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n")
            .Append("  name: ").Append(WaypointName).Append("\n  namespace: ").Append(Q(ns)).Append('\n')
            .Append("spec:\n  gatewayClassName: skein-waypoint\n  listeners:\n    - name: mesh\n      port: 15008\n      protocol: HBONE\n");
        if (client is null)
        {
            return yaml.ToString();
        }

        return yaml
            .Append("---\napiVersion: skein.dev/v1alpha1\nkind: Workload\nmetadata:\n")
            .Append("  name: mesh-client\n  namespace: ").Append(Q(ns)).Append('\n')
            .Append("  labels:\n    app: mesh-client\n")
            .Append("spec:\n  addresses: [").Append(Q(client.ToString())).Append("]\n  serviceAccount: mesh-client\n  node: ").Append(Q(node)).Append('\n')
            .ToString();
    }

    /// <summary>The SOCKS5 proxy URI of the client at <paramref name="client"/>.</summary>
    public static Uri Proxy(IPAddress client) => new($"socks5://{client}:{SocksPort.ToString(CultureInfo.InvariantCulture)}");
}
