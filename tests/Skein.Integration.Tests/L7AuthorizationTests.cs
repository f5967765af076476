using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Skein.Integration.Tests.Infrastructure;
using Skein.Proxy.Hbone;

namespace Skein.Integration.Tests;

/// <summary>AuthorizationPolicy enforced per request by a waypoint and an ingress gateway, and destinations refusing tunnels that bypass their waypoint.</summary>
public sealed class L7AuthorizationTests
{
    private const string ClientId = "spiffe://cluster.local/ns/default/sa/client";

    /// <summary>
    /// echo (node-1) uses waypoint wp; client-1 reaches it through its node proxy (SOCKS). Policies: an ALLOW for GET /public*
    /// targeting the Service, a DENY for DELETE targeting the waypoint Gateway, an L4 ALLOW for namespace default selecting
    /// echo's workloads, and for the ingress gateway an ALLOW for /shop/* (and one for mesh principals that cannot match there).
    /// </summary>
    private static string Config(TestMesh mesh) =>
        Yaml.Workload("echo-1", "default", "node-1", mesh.Block.Host(10), "echo", "echo") +
        Yaml.Workload("client-1", "default", "node-1", mesh.Block.Host(12), "client", "client") +
        Yaml.ServiceWithWaypoint("echo", "default", "echo", "wp", mesh.Block.Host(30).ToString()) + """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: ingress, namespace: default}
        spec:
          gatewayClassName: skein
          addresses: [{type: IPAddress, value: "GATEWAY_ADDRESS"}]
          listeners: [{name: http, port: 8080, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: ingress}]
          rules: [{backendRefs: [{name: echo, port: 80}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: echo-public, namespace: default}
        spec:
          targetRefs: [{kind: Service, group: "", name: echo}]
          action: ALLOW
          rules: [{to: [{operation: {methods: [GET], paths: ["/public*"]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: no-deletes, namespace: default}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: wp}]
          action: DENY
          rules: [{to: [{operation: {methods: [DELETE]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: echo-same-namespace, namespace: default}
        spec:
          selector: {matchLabels: {app: echo}}
          action: ALLOW
          rules: [{from: [{source: {namespaces: [default]}}]}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: shop-paths, namespace: default}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]
          rules:
          - to: [{operation: {paths: ["/public/shop/*"]}}]
          - from: [{source: {principals: ["*"]}}]
            to: [{operation: {paths: ["/public/members*"]}}]
        ---

        """.Replace("GATEWAY_ADDRESS", mesh.Block.Host(31).ToString(), StringComparison.Ordinal);

    private static async Task StartAsync(TestMesh mesh, bool gateway = false)
    {
        mesh.WriteConfig("mesh.yaml", Config(mesh));
        await mesh.StartEchoAsync("echo-1", new IPEndPoint(mesh.Block.Host(10), 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
        // L7 proxies write no stdout access log by default; these tests read the denials from it.
        await mesh.StartL7ProxyAsync("waypoint", "waypoint", mesh.Block.Host(3), "--access-log-format", "text");
        await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(30), 15008));
        if (gateway)
        {
            await mesh.StartL7ProxyAsync("gateway", "gateway", mesh.Block.Host(4), "--access-log-format", "text");
            await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(31), 8080));
        }
    }

    [Fact]
    public async Task A_waypoint_enforces_request_policy_and_the_destination_refuses_tunnels_that_bypass_it()
    {
        await using var mesh = new TestMesh();
        await StartAsync(mesh);
        await mesh.WaitListeningAsync(new IPEndPoint(mesh.Block.Host(12), 15080));
        using var http = TestMesh.SocksClient(mesh.Block.Host(12));

        HttpResponseMessage allowed = null!;
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                allowed = await http.GetAsync("http://echo.default/public/page");
                return allowed.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(30), "GET /public through the waypoint");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{mesh.Logs}", e);
        }

        // Allowed at the waypoint, and the destination accepted the waypoint's forwarded tunnel (its L4 policy was checked at the waypoint).
        Assert.Contains("\"pod\": \"echo-1\"", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var post = await http.PostAsync("http://echo.default/public/page", new StringContent("x"));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal("RBAC: access denied", (await post.Content.ReadAsStringAsync()).Trim());
        var other = await http.GetAsync("http://echo.default/private");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var delete = await http.DeleteAsync("http://echo.default/public/page");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);

        // The access log names the deciding policy (Envoy's "none" when no ALLOW policy matched).
        await TestMesh.EventuallyAsync(() => Task.FromResult(
            Denied(mesh.Logs, "POST", "none") &&
            Denied(mesh.Logs, "DELETE", "default/no-deletes") &&
            mesh.Logs.Contains("checked default/echo-public", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the RBAC denials in the waypoint's access log");

        var pki = TestPki.FromState(mesh.StateDir);
        using var client = pki.Issue(ClientId);

        // A mesh client that tunnels straight to echo's node skips the waypoint: refused.
        await using (var direct = await ConnectAsync(mesh.Block.Host(10), client))
        {
            var refused = await Assert.ThrowsAsync<HboneConnectException>(() => direct.OpenTunnelAsync($"{mesh.Block.Host(10)}:8080"));
            Assert.Equal(401, refused.Status);
            Assert.Equal("bypassed waypoint default/wp", refused.Reason);
        }

        // L4 policy holds at the waypoint: an identity from another namespace is refused at the CONNECT.
        using var outsider = pki.Issue("spiffe://cluster.local/ns/other/sa/intruder");
        await using (var fromOther = await ConnectAsync(mesh.Block.Host(30), outsider))
        {
            var refused = await Assert.ThrowsAsync<HboneConnectException>(() => fromOther.OpenTunnelAsync($"{mesh.Block.Host(10)}:8080"));
            Assert.Equal(401, refused.Status);
            Assert.Contains("default/echo-same-namespace", refused.Reason, StringComparison.Ordinal);
        }

        await using var viaWaypoint = await ConnectAsync(mesh.Block.Host(30), client);
        await using var tunnel = await viaWaypoint.OpenTunnelAsync($"{mesh.Block.Host(10)}:8080").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(tunnel);
    }

    [Fact]
    public async Task A_gateway_enforces_path_policy_and_reaches_a_waypoint_governed_service_through_the_waypoint()
    {
        await using var mesh = new TestMesh();
        await StartAsync(mesh, gateway: true);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = $"http://{mesh.Block.Host(31)}:8080";

        HttpResponseMessage allowed = null!;
        try
        {
            await TestMesh.EventuallyAsync(async () =>
            {
                allowed = await http.GetAsync($"{url}/public/shop/cart");
                return allowed.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(30), "GET /public/shop through the gateway");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{mesh.Logs}", e);
        }

        Assert.Contains("\"pod\": \"echo-1\"", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Not in the gateway's allowed paths.
        var other = await http.GetAsync($"{url}/public/other");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("RBAC: access denied", (await other.Content.ReadAsStringAsync()).Trim());
        // Clients of an ingress gateway are outside the mesh: a principal rule never matches them.
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"{url}/public/members")).StatusCode);
        // Allowed by the gateway, refused by the waypoint's DENY: the request did pass through the waypoint.
        Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync($"{url}/public/shop/cart")).StatusCode);
        await TestMesh.EventuallyAsync(() => Task.FromResult(
            Denied(mesh.Logs, "DELETE", "default/no-deletes")), TimeSpan.FromSeconds(10),
            "the waypoint's denial of the gateway's request");
    }

    private static async Task<HboneClientConnection> ConnectAsync(IPAddress address, X509Certificate2 certificate)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(address, 15008));
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificates = [certificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return await HboneClientConnection.StartAsync(tls);
    }

    /// <summary>Whether an access log line records a request of this method refused with Envoy's RBAC details naming the policy.</summary>
    private static bool Denied(string logs, string method, string policy) =>
        logs.Split('\n').Any(line => line.Contains($"\"{method} ", StringComparison.Ordinal) &&
            line.Contains($"rbac_access_denied_matched_policy[{policy}]", StringComparison.Ordinal));
}
