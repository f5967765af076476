using System.Net;
using Skein.Proxy.Capture;

namespace Skein.Unit.Tests.Capture;

/// <summary>The capture ruleset: one table, the redirects to 15001/15006/15008 on the node address, the workload sets.</summary>
public sealed class NftablesRulesTests
{
    private static readonly CapturePorts Node = new(IPAddress.Parse("10.9.1.1"));

    [Fact]
    public void The_script_replaces_the_table_in_one_transaction()
    {
        var script = NftablesRules.Script(Node, []);
        var lines = script.Split('\n');
        // Declared, deleted, declared again: idempotent whether or not a previous table exists.
        Assert.Equal("table inet skein {}", lines[0]);
        Assert.Equal("delete table inet skein", lines[1]);
        Assert.Equal("table inet skein {", lines[2]);
        Assert.Equal("delete table inet skein\n", NftablesRules.RemoveScript);
    }

    [Fact]
    public void Workload_traffic_is_redirected_to_the_proxy_ports_on_the_node_address()
    {
        var script = NftablesRules.Script(Node, [IPAddress.Parse("10.9.10.3"), IPAddress.Parse("10.9.10.2"), IPAddress.Parse("10.9.10.2")]);
        Assert.Contains("elements = { 10.9.10.2, 10.9.10.3 }", script); // sorted, distinct
        Assert.Contains("type nat hook prerouting priority -100; policy accept;", script);
        Assert.Contains("iif \"lo\" return", script);
        Assert.Contains("fib daddr type local return", script);
        Assert.Contains("ip saddr @workloads_v4 meta l4proto tcp dnat ip to 10.9.1.1:15001", script);
        Assert.Contains("ip daddr @workloads_v4 tcp dport 15008 dnat ip to 10.9.1.1:15008", script);
        Assert.Contains("ip daddr @workloads_v4 meta l4proto tcp dnat ip to 10.9.1.1:15006", script);
        // The proxy's own tunnels to a workload of this node leave through the output hook.
        Assert.Contains("type nat hook output priority -100; policy accept;", script);
        // Order matters: the node's own addresses first, outbound before inbound, HBONE before plaintext.
        Assert.True(script.IndexOf("fib daddr type local return", StringComparison.Ordinal) < script.IndexOf("saddr @workloads_v4", StringComparison.Ordinal));
        Assert.True(script.IndexOf("saddr @workloads_v4", StringComparison.Ordinal) < script.IndexOf("tcp dport 15008 dnat", StringComparison.Ordinal));
        Assert.True(script.IndexOf("tcp dport 15008 dnat", StringComparison.Ordinal) < script.IndexOf(":15006", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ipv6_node_gets_ip6_rules_and_addresses_go_to_their_familys_set()
    {
        var script = NftablesRules.Script(new CapturePorts(IPAddress.Parse("fd00::1")), [IPAddress.Parse("fd00::10"), IPAddress.Parse("10.9.10.2")]);
        Assert.Contains("ip6 saddr @workloads_v6 meta l4proto tcp dnat ip6 to [fd00::1]:15001", script);
        Assert.Contains("ip6 daddr @workloads_v6 tcp dport 15008 dnat ip6 to [fd00::1]:15008", script);
        Assert.Contains("type ipv6_addr\n\t\telements = { fd00::10 }", script);
        Assert.Contains("type ipv4_addr\n\t\telements = { 10.9.10.2 }", script);
    }

    [Fact]
    public void Custom_ports_are_used()
    {
        var script = NftablesRules.Script(new CapturePorts(IPAddress.Parse("10.9.1.1"), 25001, 25006, 25008), [IPAddress.Parse("10.9.10.2")]);
        Assert.Contains("to 10.9.1.1:25001", script);
        Assert.Contains("tcp dport 25008 dnat ip to 10.9.1.1:25008", script);
        Assert.Contains("to 10.9.1.1:25006", script);
    }

    [Fact]
    public void A_workload_update_flushes_and_refills_both_sets()
    {
        Assert.Equal(
            "flush set inet skein workloads_v4\nflush set inet skein workloads_v6\nadd element inet skein workloads_v4 { 10.9.10.2, 10.9.10.4 }\n",
            NftablesRules.WorkloadsUpdate([IPAddress.Parse("10.9.10.4"), IPAddress.Parse("10.9.10.2")]));
        Assert.Equal("flush set inet skein workloads_v4\nflush set inet skein workloads_v6\n", NftablesRules.WorkloadsUpdate([]));
    }
}
