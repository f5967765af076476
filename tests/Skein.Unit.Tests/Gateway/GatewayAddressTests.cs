using System.Net;
using Skein.Control.Gateway;

namespace Skein.Unit.Tests.Gateway;

public sealed class GatewayAddressTests
{
    [Fact]
    public void Addresses_are_stable_distinct_and_inside_the_pool()
    {
        var allocator = new GatewayAddressAllocator("127.241.0.0/16");
        var keys = Enumerable.Range(0, 200).Select(i => $"ns/gw-{i}").ToList();
        var first = allocator.Allocate(keys, []);
        var again = new GatewayAddressAllocator("127.241.0.0/16").Allocate(Enumerable.Reverse(keys), []);

        Assert.Equal(200, first.Values.Distinct().Count());
        Assert.All(keys, k => Assert.Equal(first[k], again[k]));
        Assert.All(first.Values, a =>
        {
            var b = a.GetAddressBytes();
            Assert.Equal((127, 241), (b[0], b[1]));
            Assert.NotEqual(0, b[3]);
            Assert.NotEqual(255, b[3]);
        });
    }

    [Fact]
    public void A_small_pool_probes_past_taken_addresses_and_runs_out_without_reusing_one()
    {
        // 10.9.9.0/30 holds .0 (skipped), .1 (taken by a requested address), .2 and .3.
        var allocator = new GatewayAddressAllocator("10.9.9.0/30");
        var result = allocator.Allocate(["a/one", "a/two", "a/three"], [IPAddress.Parse("10.9.9.1")]);

        Assert.Equal(2, result.Count);
        Assert.Equal(["10.9.9.2", "10.9.9.3"], result.Values.Select(a => a.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("127.241.0.0/16", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.0.0.0/31", false)]
    [InlineData("::1/64", false)]
    [InlineData("nonsense", false)]
    public void Pools_must_be_ipv4_cidrs(string cidr, bool ok) =>
        Assert.Equal(ok, GatewayAddressAllocator.TryParsePool(cidr, out _, out _, out _));

    [Fact]
    public void Gateways_report_requested_loopback_addresses_or_a_pool_address()
    {
        var result = GatewayTestConfig.Compile("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: fixed, namespace: infra}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: 127.0.99.1}]
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: empty-value, namespace: infra}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress}]
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: pooled, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """, pool: "127.242.0.0/24");

        Assert.Equal(["127.0.99.1"], result.GatewayStatus("infra", "fixed").Addresses.Select(a => a.Value));
        Assert.StartsWith("127.242.0.", result.GatewayStatus("infra", "empty-value").Addresses.Single().Value, StringComparison.Ordinal);
        Assert.StartsWith("127.242.0.", result.GatewayStatus("infra", "pooled").Addresses.Single().Value, StringComparison.Ordinal);
        Assert.Equal(("True", "Programmed"), result.GatewayStatus("infra", "pooled").Conditions.Of("Programmed"));
        Assert.Equal(IPAddress.Parse(result.GatewayStatus("infra", "pooled").Addresses.Single().Value), new IPAddress(result.Proto("infra", "pooled").Addresses.Single().Span));
    }

    [Fact]
    public void Pool_addresses_skip_those_of_workloads()
    {
        // A /30 pool has two usable hosts (.1 and .2 here; .0 is skipped and .3 is a workload's).
        const string Gateways = """
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: w, namespace: infra}
            spec: {node: n, addresses: [10.7.7.3]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: a, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: b, namespace: infra}
            spec:
              gatewayClassName: skein
              listeners: [{name: http, port: 80, protocol: HTTP}]
            """;
        var result = GatewayTestConfig.Compile(Gateways, pool: "10.7.7.0/30");

        Assert.Equal(["10.7.7.1", "10.7.7.2"], new[] { "a", "b" }.Select(n => result.GatewayStatus("infra", n).Addresses.Single().Value).Order(StringComparer.Ordinal));
    }
}
