using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Skein.Integration.Tests.Infrastructure;
using Skein.Proxy.Hbone;

namespace Skein.Integration.Tests;

/// <summary>A waypoint-role proxy: HBONE in (mTLS, CONNECT), HTTP routing for the governed service, HBONE out to the destination's node.</summary>
public sealed class WaypointTests
{
    private const string ClientId = "spiffe://cluster.local/ns/default/sa/client";

    [Fact]
    public async Task Tunnels_to_a_governed_service_are_routed_and_filtered_at_l7_and_node_proxies_send_its_traffic_there()
    {
        await using var mesh = new TestMesh();
        var echo = mesh.Block.Host(10);
        var waypoint = mesh.Block.Host(30);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo-v2", "default", 80, 8080, "v2") +
            Yaml.Workload("echo-v1-1", "default", "node-1", echo, "v1", "echo") +
            Yaml.Workload("echo-v2-1", "default", "node-1", mesh.Block.Host(11), "v2", "echo") +
            Yaml.Workload("client-1", "default", "node-1", mesh.Block.Host(12), "client", "client") +
            Yaml.ServiceWithWaypoint("echo", "default", "v1", "wp", waypoint.ToString()) + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: echo-split, namespace: default}
            spec:
              parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /v2}}]
                backendRefs: [{name: echo-v2, port: 80}]
              - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Waypoint, value: seen}]}}]
                backendRefs: [{name: echo, port: 80}]
            ---

            """);
        await mesh.StartEchoAsync("echo-v1-1", new IPEndPoint(echo, 8080));
        await mesh.StartEchoAsync("echo-v2-1", new IPEndPoint(mesh.Block.Host(11), 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
        await mesh.StartL7ProxyAsync("waypoint", "waypoint", mesh.Block.Host(3));
        await mesh.WaitListeningAsync(new IPEndPoint(waypoint, 15008));
        var client = TestPki.FromState(mesh.StateDir).Issue(ClientId);

        string v2 = "", v1 = "";
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                v2 = await GetThroughTunnelAsync(waypoint, client, $"{echo}:8080", "/v2/x");
                return v2.StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(20), "a routed answer through the waypoint");
            v1 = await GetThroughTunnelAsync(waypoint, client, $"{echo}:8080", "/plain");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{v2}\n{mesh.Logs}", e);
        }

        Assert.Contains("\"pod\": \"echo-v2-1\"", v2, StringComparison.Ordinal);
        Assert.Contains("\"pod\": \"echo-v1-1\"", v1, StringComparison.Ordinal);
        Assert.Contains("X-Waypoint", v1, StringComparison.Ordinal);

        // The mesh path: a client's node proxy sends traffic for the Service to its waypoint, which routes it.
        await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(12), 15080));
        using var http = TestMesh.SocksClient(mesh.Block.Host(12));
        var viaMesh = await http.GetStringAsync("http://echo.default/v2/mesh");
        Assert.Contains("\"pod\": \"echo-v2-1\"", viaMesh, StringComparison.Ordinal);
        var plainViaMesh = await http.GetStringAsync("http://echo.default/plain");
        Assert.Contains("X-Waypoint", plainViaMesh, StringComparison.Ordinal);

        // The waypoint reports each request with the caller as source (the tunnel's verified identity, placed by the mesh state).
        await TestMesh.EventuallyAsync(async () =>
        {
            var topology = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/topology?window=1m"));
            return topology["edges"]!.AsArray().Any(e => (string?)e!["source"] == "workload:default/client-1" && (string?)e["target"] == "service:default/echo-v2" &&
                (string?)e["protocol"] == "http" && (long)e["requests"]! >= 2);
        }, TimeSpan.FromSeconds(20), "an http edge client-1 -> echo-v2 reported by the waypoint");

        // A destination the waypoint does not govern is refused at the CONNECT.
        await using var connection = await ConnectAsync(waypoint, client);
        var refused = await Assert.ThrowsAsync<HboneConnectException>(() => connection.OpenTunnelAsync($"{mesh.Block.Host(11)}:8080"));
        Assert.Equal(503, refused.Status);
    }

    private static async Task<HboneClientConnection> ConnectAsync(IPAddress waypoint, System.Security.Cryptography.X509Certificates.X509Certificate2 clientCert)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(waypoint, 15008));
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificates = [clientCert],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return await HboneClientConnection.StartAsync(tls);
    }

    private static async Task<string> GetThroughTunnelAsync(IPAddress waypoint, System.Security.Cryptography.X509Certificates.X509Certificate2 clientCert, string authority, string path)
    {
        await using var connection = await ConnectAsync(waypoint, clientCert);
        await using var tunnel = await connection.OpenTunnelAsync(authority).WaitAsync(TimeSpan.FromSeconds(10));
        await tunnel.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: echo.default.svc.cluster.local\r\nConnection: close\r\n\r\n"));
        await tunnel.FlushAsync();
        using var reader = new StreamReader(tunnel);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
