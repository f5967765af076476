using System.Net;
using System.Text.Json.Nodes;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>
/// A workload outside the mesh (<c>skein.dev/dataplane-mode: none</c>) on a node where no proxy runs: a gateway (HTTP and TCP
/// routes) and a meshed client's node proxy reach it in plain TCP, shown as such, under a mesh-wide STRICT PeerAuthentication.
/// </summary>
public sealed class OutsideMeshTests
{
    [Fact]
    public async Task A_gateway_and_a_meshed_client_reach_an_outside_workload_in_plain_tcp()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        var gatewayProxy = mesh.Block.Host(3);
        var legacy = mesh.Block.Host(10);
        var client = mesh.Block.Host(11);
        var localOutside = mesh.Block.Host(12);
        var gatewayAddress = mesh.Block.Host(20);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("legacy", "default", 80, 8080, "legacy") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", "client", ("legacy", 80, 9001)) + $$"""
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: legacy-1
              namespace: default
              labels: {app: legacy, skein.dev/dataplane-mode: none, skein.dev/use-waypoint: waypoint}
            spec:
              node: vm-node
              serviceAccount: legacy
              addresses: [{{legacy}}]
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata:
              name: local-db
              namespace: default
              labels: {app: local-db, skein.dev/dataplane-mode: none}
            spec:
              node: node-1
              serviceAccount: local-db
              addresses: [{{localOutside}}]
            ---
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: strict, namespace: skein-system}
            spec:
              mtls: {mode: STRICT}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: legacy-strict, namespace: default}
            spec:
              selector:
                matchLabels: {app: legacy}
              mtls: {mode: STRICT}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: "{{gatewayAddress}}"}]
              listeners:
              - {name: http, port: 8080, protocol: HTTP}
              - name: tcp
                port: 9000
                protocol: TCP
                allowedRoutes:
                  kinds: [{kind: TCPRoute}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: legacy, namespace: default}
            spec:
              parentRefs: [{name: gw, sectionName: http}]
              rules:
              - backendRefs: [{name: legacy, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: {name: legacy-tcp, namespace: default}
            spec:
              parentRefs: [{name: gw, sectionName: tcp}]
              rules:
              - backendRefs: [{name: legacy, port: 80}]

            """);
        await mesh.StartEchoAsync("legacy-1", new IPEndPoint(legacy, 8080));
        await mesh.StartGatewayPathAsync(node, gatewayProxy);

        // Through the gateway: no proxy serves legacy-1 (none runs on vm-node), so HBONE to its :15008 could never work.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await mesh.WaitForRouteAsync(http, new Uri($"http://{gatewayAddress}:8080/"), "the gateway to route to legacy");
        var viaGateway = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{gatewayAddress}:8080/via-gateway")))!;
        Assert.Equal(("legacy-1", "/via-gateway"), (viaGateway["pod"]!.GetValue<string>(), viaGateway["path"]!.GetValue<string>()));
        var viaTcpRoute = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{gatewayAddress}:9000/via-tcp-route")))!;
        Assert.Equal("legacy-1", viaTcpRoute["pod"]!.GetValue<string>());

        // From a meshed client through its node proxy (a localhost upstream to the Service).
        await mesh.WaitListeningAsync(new IPEndPoint(client, 9001));
        for (var i = 0; i < 2; i++)
        {
            var (code, output) = await Curl.RunAsync($"http://{client}:9001/from-client");
            Assert.True(code == 0, $"curl exited {code}: {output}\n{mesh.Logs}");
            Assert.Equal("legacy-1", JsonNode.Parse(output)!["pod"]!.GetValue<string>());
        }

        // An outside workload placed on node-1 itself: node-1's proxy binds nothing on its address (client-1's :15008 is bound
        // by the same reconcile), so it cannot pose as that workload's proxy.
        await mesh.WaitListeningAsync(new IPEndPoint(client, 15008));
        using (var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(async () => await probe.ConnectAsync(new IPEndPoint(localOutside, 15008)));
        }

        const string cluster = "cluster.outbound|80||legacy.default.svc.cluster.local";
        Assert.True(await mesh.StatAsync(node, $"{cluster}.upstream_cx_passthrough") >= 2);
        Assert.Equal(0, await mesh.StatAsync(node, $"{cluster}.upstream_cx_mtls"));
        var metrics = "";
        await TestMesh.EventuallyAsync(async () =>
        {
            metrics = await mesh.Http.GetStringAsync($"http://{node}:15020/metrics");
            return metrics.Contains("destination_workload=\"legacy-1\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(5), "connections to legacy-1 to be counted");
        var opened = metrics.Split('\n').Single(l => l.StartsWith("istio_tcp_connections_opened_total{reporter=\"source\"", StringComparison.Ordinal) && l.Contains("destination_workload=\"legacy-1\"", StringComparison.Ordinal));
        Assert.Contains("connection_security_policy=\"none\"", opened);
        Assert.Contains("source_workload=\"client-1\"", opened);

        // The topology (ALS from both proxies) shows those edges as plaintext, not as the mesh's mTLS.
        List<JsonObject> edges = [];
        await TestMesh.EventuallyAsync(async () =>
        {
            var topology = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/topology?window=1m"));
            edges = [.. topology["edges"]!.AsArray().Select(e => e!.AsObject()).Where(e => (string?)e["target"] == "service:default/legacy")];
            return edges.Any(e => (string?)e["source"] == "workload:default/gw" && (string?)e["protocol"] == "http") &&
                edges.Any(e => (string?)e["source"] == "workload:default/client-1");
        }, TimeSpan.FromSeconds(20), "edges from the gateway and client-1 to legacy");
        Assert.All(edges, e => Assert.Equal("plaintext", (string?)e["mtls"]));

        // The CA issued legacy-1's identity to nobody; the proxy on node-1 serves client-1 only.
        var certificates = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/certificates"));
        Assert.DoesNotContain(certificates["items"]!.AsArray(), c => c!["identity"]!.GetValue<string>().EndsWith("/sa/legacy", StringComparison.Ordinal));

        // skein check explains what cannot take effect.
        await using var check = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString()]);
        var exit = await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        Assert.True(exit == 0, check.Output);
        Assert.Contains("warning: PeerAuthentication default/legacy-strict selects only workloads outside the mesh (skein.dev/dataplane-mode: none); it cannot be enforced: no proxy serves them", check.Output);
        Assert.Contains("warning: Workload default/legacy-1 is outside the mesh", check.Output);
    }
}
