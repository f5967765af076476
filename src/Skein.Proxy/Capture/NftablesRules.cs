using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Skein.Proxy.Capture;

/// <summary>Where the capture rules send redirected connections: the node proxy's address and its capture ports.</summary>
public sealed record CapturePorts(IPAddress NodeAddress, int Outbound = CapturePorts.DefaultOutbound, int InboundPlaintext = CapturePorts.DefaultInboundPlaintext, int Hbone = CapturePorts.DefaultHbone)
{
    public const int DefaultOutbound = 15001;
    public const int DefaultInboundPlaintext = 15006;
    public const int DefaultHbone = 15008;
}

/// <summary>The nftables ruleset of transparent capture (DESIGN §6, mode 1), as an <c>nft -f</c> script.</summary>
/// <remarks>
/// Everything lives in one table, <c>inet skein</c>, so removing capture is one <c>nft delete table inet skein</c> and
/// nothing else on the host is touched. The rules run in the node's network namespace, where every workload's
/// traffic passes on its way in or out (a veth per workload, like a CNI): connections are DNATed to the node
/// proxy's own address, and the proxy reads where they were going with <c>SO_ORIGINAL_DST</c>.
/// <list type="bullet">
/// <item>prerouting, TCP from a local workload's address → 15001 (outbound capture), unless it is for this node itself;</item>
/// <item>prerouting, TCP to a local workload's address on 15008 → the proxy's 15008 (HBONE from other nodes);</item>
/// <item>prerouting, other TCP to a local workload's address → 15006 (plaintext from outside the mesh);</item>
/// <item>output, the node's own TCP to a local workload's address on 15008 → the proxy's 15008 (a tunnel between two
/// workloads of this node, which would otherwise go straight into the destination's namespace).</item>
/// </list>
/// The proxy's own connections start in this namespace and so only meet the output hook, whose one rule matches
/// nothing but HBONE to a local workload: they never loop back into capture, without marks or uid matches.
/// Rules are written for the node address's family; the workload sets hold that family's addresses.
/// </remarks>
public static class NftablesRules
{
    public const string Family = "inet";
    public const string Table = "skein";
    public const string WorkloadsV4 = "workloads_v4";
    public const string WorkloadsV6 = "workloads_v6";

    /// <summary>The script that removes capture (nothing else lives in the table).</summary>
    public static string RemoveScript => $"delete table {Family} {Table}\n";

    /// <summary>The whole ruleset; applying it replaces any earlier version of the table in one transaction.</summary>
    public static string Script(CapturePorts ports, IEnumerable<IPAddress> workloads)
    {
        var (v4, v6) = Split(workloads);
        var ip = ports.NodeAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
        var set = ip == "ip6" ? WorkloadsV6 : WorkloadsV4;
        var node = ip == "ip6" ? $"[{ports.NodeAddress}]" : ports.NodeAddress.ToString();
        var sb = new StringBuilder();
        // Declaring the table before deleting it makes the delete succeed on a first run, so the script is idempotent.
        sb.Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{}}\n");
        sb.Append(CultureInfo.InvariantCulture, $"delete table {Family} {Table}\n");
        sb.Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{\n");
        sb.Append("\t# Captured workloads of this node; the node proxy keeps them in step with its config.\n");
        AppendSet(sb, WorkloadsV4, "ipv4_addr", v4);
        AppendSet(sb, WorkloadsV6, "ipv6_addr", v6);
        sb.Append('\n');
        sb.Append("\tchain prerouting {\n");
        sb.Append("\t\ttype nat hook prerouting priority -100; policy accept;\n");
        sb.Append("\t\tiif \"lo\" return\n");
        sb.Append("\t\t# Addressed to the node itself (the proxy's own ports, the admin API): untouched.\n");
        sb.Append("\t\tfib daddr type local return\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t\t{ip} saddr @{set} meta l4proto tcp dnat {ip} to {node}:{ports.Outbound} comment \"outbound capture\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t\t{ip} daddr @{set} tcp dport {ports.Hbone} dnat {ip} to {node}:{ports.Hbone} comment \"HBONE inbound\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t\t{ip} daddr @{set} meta l4proto tcp dnat {ip} to {node}:{ports.InboundPlaintext} comment \"inbound plaintext\"\n");
        sb.Append("\t}\n\n");
        sb.Append("\tchain output {\n");
        sb.Append("\t\ttype nat hook output priority -100; policy accept;\n");
        sb.Append(CultureInfo.InvariantCulture, $"\t\t{ip} daddr @{set} tcp dport {ports.Hbone} dnat {ip} to {node}:{ports.Hbone} comment \"HBONE to a workload of this node\"\n");
        sb.Append("\t}\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>Replaces the workload sets' contents (one transaction) without touching the chains.</summary>
    public static string WorkloadsUpdate(IEnumerable<IPAddress> workloads)
    {
        var (v4, v6) = Split(workloads);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"flush set {Family} {Table} {WorkloadsV4}\n");
        sb.Append(CultureInfo.InvariantCulture, $"flush set {Family} {Table} {WorkloadsV6}\n");
        if (v4.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"add element {Family} {Table} {WorkloadsV4} {{ {string.Join(", ", v4)} }}\n");
        }

        if (v6.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"add element {Family} {Table} {WorkloadsV6} {{ {string.Join(", ", v6)} }}\n");
        }

        return sb.ToString();
    }

    private static void AppendSet(StringBuilder sb, string name, string type, IReadOnlyList<IPAddress> elements)
    {
        sb.Append(CultureInfo.InvariantCulture, $"\tset {name} {{\n\t\ttype {type}\n");
        if (elements.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\t\telements = {{ {string.Join(", ", elements)} }}\n");
        }

        sb.Append("\t}\n");
    }

    /// <summary>Distinct addresses by family, sorted so equal inputs give equal scripts.</summary>
    private static (List<IPAddress> V4, List<IPAddress> V6) Split(IEnumerable<IPAddress> workloads)
    {
        var distinct = workloads.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        return ([.. distinct.Where(a => a.AddressFamily == AddressFamily.InterNetwork)],
            [.. distinct.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6)]);
    }
}
