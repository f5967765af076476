using System.Net;
using System.Net.Sockets;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>A Gateway update the proxy cannot apply is NACKed as a whole and the last good listeners keep serving.</summary>
public sealed class GatewayRejectionTests
{
    [Fact]
    public async Task A_port_that_cannot_be_bound_rejects_the_update_and_keeps_the_last_good_listeners()
    {
        await using var mesh = new TestMesh();
        var gatewayAddress = mesh.Block.Host(20);
        var proxy = mesh.Block.Host(3);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") + Yaml.Workload("echo-1", "default", "node-1", mesh.Block.Host(10), "echo", "echo"));
        mesh.WriteConfig("gateway.yaml", Gateway(gatewayAddress, extraListener: ""));
        await mesh.StartEchoAsync("echo-1", new IPEndPoint(mesh.Block.Host(10), 8080));
        await mesh.StartGatewayPathAsync(mesh.Block.Host(2), proxy);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await TestMesh.EventuallyAsync(async () => (await client.GetAsync($"http://{gatewayAddress}:8080/")).IsSuccessStatusCode, TimeSpan.FromSeconds(20), "the first listener");

        // Something else holds the port the next version wants.
        using var squatter = new Socket(SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(gatewayAddress, 8081));
        squatter.Listen(1);
        mesh.WriteConfig("gateway.yaml", Gateway(gatewayAddress, extraListener: "  - {name: more, port: 8081, protocol: HTTP}\n"));
        string rejection = "";
        await TestMesh.EventuallyAsync(async () =>
        {
            rejection = (await mesh.ConfigDumpAsync(proxy))["controlPlane"]!["lastRejection"]?.GetValue<string>() ?? "";
            return rejection.Length > 0;
        }, TimeSpan.FromSeconds(20), "the gateway proxy to NACK");
        Assert.Contains($"cannot listen on {gatewayAddress}:8081", rejection, StringComparison.Ordinal);
        Assert.True((await client.GetAsync($"http://{gatewayAddress}:8080/")).IsSuccessStatusCode);
    }

    private static string Gateway(IPAddress address, string extraListener) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {"{"}name: gw, namespace: default{"}"}
        spec:
          gatewayClassName: skein
          addresses: [{"{"}type: IPAddress, value: "{address}"{"}"}]
          listeners:
          - {"{"}name: http, port: 8080, protocol: HTTP{"}"}
        {extraListener}---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: r, namespace: default{"}"}
        spec:
          parentRefs: [{"{"}name: gw, sectionName: http{"}"}]
          rules:
          - backendRefs: [{"{"}name: echo, port: 80{"}"}]
        ---

        """;
}
