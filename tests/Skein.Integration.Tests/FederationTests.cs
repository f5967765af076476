using System.Net;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>
/// Two meshes with their own control planes, CAs and trust domains: each federates the other through its SPIFFE
/// bundle endpoint, and a client of mesh-b reaches a server of mesh-a over HBONE mTLS with both SVIDs verified
/// against the bundle of their own trust domain.
/// </summary>
public sealed class FederationTests
{
    private const int UpstreamPort = 18080;

    [Fact]
    public async Task A_client_of_mesh_b_reaches_mesh_a_only_while_federated_and_as_mesh_a_policy_allows()
    {
        await using var a = new TestMesh();
        await using var b = new TestMesh();
        var serverAddress = a.Block.Host(10);
        var client = b.Block.Host(11);
        var intruder = b.Block.Host(12);

        a.WriteConfig("mesh.yaml",
            Yaml.Service("server", "default", 80, 8080, "server") +
            Yaml.Workload("server-1", "default", "node-1", serverAddress, "server", "server") +
            Yaml.AuthorizationPolicy("server-from-mesh-b-client", "default", "server", "ALLOW", "mesh-b.test/ns/default/sa/client"));
        b.WriteConfig("mesh.yaml", MeshBConfig(serverAddress, client, intruder));

        await a.StartEchoAsync("server-1", new IPEndPoint(serverAddress, 8080));
        await a.StartControlAsync("--trust-domain", "mesh-a.test");
        await b.StartControlAsync("--trust-domain", "mesh-b.test");
        await a.StartProxyAsync("node-1", a.Block.Host(2), extraArgs: ["--trust-domain", "mesh-a.test"]);
        await b.StartProxyAsync("node-1", b.Block.Host(2), extraArgs: ["--trust-domain", "mesh-b.test"]);
        await b.WaitListeningAsync(new IPEndPoint(client, UpstreamPort));
        await b.WaitListeningAsync(new IPEndPoint(intruder, UpstreamPort));

        // Not federated: mesh-b's proxy cannot verify mesh-a's server SVID, so the handshake is refused.
        Assert.False(await ReachesAsync(client));
        await b.WaitForLogLineAsync(l => l.Contains("no trust bundle for trust domain", StringComparison.Ordinal) && l.Contains("mesh-a.test", StringComparison.Ordinal), "mesh-b's proxy refusing mesh-a's SVID");

        // Half federated: mesh-b trusts mesh-a, but mesh-a's proxy refuses mesh-b's client SVID in the TLS handshake.
        b.WriteConfig("federation.yaml", Federation("mesh-a", a));
        await WaitReadyAsync(b, "mesh-a");
        await TestMesh.EventuallyAsync(async () =>
        {
            Assert.False(await ReachesAsync(client));
            return a.Logs.Contains("no trust bundle for trust domain 'mesh-b.test'", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "mesh-a's proxy refusing mesh-b's SVID in the handshake");

        var unfederated = await CheckAsync(a);
        Assert.Contains("warning: AuthorizationPolicy default/server-from-mesh-b-client names principal \"mesh-b.test/ns/default/sa/client\" of trust domain mesh-b.test, which is neither", unfederated);

        a.WriteConfig("federation.yaml", Federation("mesh-b", b));
        await WaitReadyAsync(a, "mesh-b");
        Assert.DoesNotContain("server-from-mesh-b-client", await CheckAsync(a));

        await TestMesh.EventuallyAsync(() => ReachesAsync(client), TimeSpan.FromSeconds(30), "mesh-b's client reaching mesh-a's server");
        using (var http = FreshClient())
        {
            var body = await http.GetStringAsync($"http://{client}:{UpstreamPort}/across");
            Assert.Contains("server-1", body, StringComparison.Ordinal);
        }

        // mesh-a verified the caller as mesh-b's client and its policy allowed exactly that principal.
        await a.WaitForLogLineAsync(l => l.Contains("spiffe://mesh-b.test/ns/default/sa/client", StringComparison.Ordinal), "mesh-a's access log naming mesh-b's client");

        // Another mesh-b identity is verified just as well, and denied by mesh-a's policy.
        Assert.False(await ReachesAsync(intruder));
        await a.WaitForLogLineAsync(
            l => l.Contains("spiffe://mesh-b.test/ns/default/sa/intruder", StringComparison.Ordinal) && l.Contains("rbac_access_denied", StringComparison.Ordinal),
            "mesh-a's policy denying mesh-b's intruder");

        // A connection held open across the unfederation: mesh-a's proxy closes its tunnel once mesh-b's bundle is gone.
        using var held = new System.Net.Sockets.TcpClient();
        await held.ConnectAsync(client, UpstreamPort);
        var heldStream = held.GetStream();
        await heldStream.WriteAsync("GET /held HTTP/1.1\r\nHost: server\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        Assert.True(await heldStream.ReadAsync(buffer) > 0);

        // mesh-a stops federating: its proxy withdraws mesh-b's bundle and refuses mesh-b's client again.
        File.Delete(Path.Combine(a.ConfigDir, "federation.yaml"));
        await TestMesh.EventuallyAsync(async () =>
        {
            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                return await heldStream.ReadAsync(buffer, wait.Token) == 0;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), "the open cross-mesh connection to be closed after unfederation");
        await a.WaitForLogLineAsync(l => l.Contains("closed_by_config_change:_trust_domain_mesh-b.test_is_no_longer_trusted", StringComparison.Ordinal),
            "mesh-a's access log naming why the tunnel was closed");
        await TestMesh.EventuallyAsync(async () => !await ReachesAsync(client), TimeSpan.FromSeconds(30), "mesh-a refusing mesh-b after the MeshFederation is removed");
        var afterwards = await a.GetJsonAsync(new Uri(a.Api, "api/v1/resources?kind=MeshFederation"));
        Assert.Empty(afterwards["items"]!.AsArray());

        // A peer whose bundle endpoint does not answer: reported in status and by skein check.
        a.WriteConfig("unreachable.yaml", $"""
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata:
              name: mesh-c
              namespace: skein-system
            spec:
              trustDomain: mesh-c.test
              bundleEndpointURL: https://{a.Block.Host(99)}:20002/.well-known/spiffe-bundle
            """);
        await TestMesh.EventuallyAsync(
            async () => (await CheckAsync(a)).Contains("warning: MeshFederation skein-system/mesh-c cannot fetch the bundle of mesh-c.test (FetchFailed)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "skein check reporting the unreachable bundle endpoint");
    }

    [Fact]
    public async Task A_peer_behind_a_network_gateway_is_reached_through_it_with_end_to_end_mtls()
    {
        await using var a = new TestMesh();
        await using var b = new TestMesh();
        var serverAddress = a.Block.Host(10);
        var gatewayAddress = a.Block.Host(20);
        var client = b.Block.Host(11);
        var intruder = b.Block.Host(12);

        // mesh-a: the server, and an east-west gateway on its own node. The server admits mesh-b's client only when the
        // tunnel comes from the gateway's address, so a direct tunnel (the path without the gateway) is refused.
        a.WriteConfig("mesh.yaml",
            Yaml.Service("server", "default", 80, 8080, "server") +
            Yaml.Workload("server-1", "default", "node-1", serverAddress, "server", "server") +
            Yaml.Workload("eastwest-1", "skein-system", "edge", gatewayAddress, "eastwest", "eastwest")
                .Replace("    app: eastwest\n", "    app: eastwest\n    skein.dev/network-gateway: \"true\"\n", StringComparison.Ordinal) + $"""
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata:
              name: server-from-mesh-b-via-gateway
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: server
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: [mesh-b.test/ns/default/sa/client, mesh-b.test/ns/default/sa/intruder]
                    ipBlocks: [{gatewayAddress}/32]
            ---

            """ + Yaml.AuthorizationPolicy("no-intruder-across", "skein-system", "eastwest", "DENY", "mesh-b.test/ns/default/sa/intruder"));
        b.WriteConfig("mesh.yaml", MeshBConfig(serverAddress, client, intruder));
        var throughGateway = Federation("mesh-a", a) + $"\n  networkGateway:\n    address: {gatewayAddress}\n    port: 15008\n";

        await a.StartEchoAsync("server-1", new IPEndPoint(serverAddress, 8080));
        await a.StartControlAsync("--trust-domain", "mesh-a.test");
        await b.StartControlAsync("--trust-domain", "mesh-b.test");
        // Each bundle endpoint is up now: the first fetch succeeds.
        a.WriteConfig("federation.yaml", Federation("mesh-b", b));
        b.WriteConfig("federation.yaml", throughGateway);
        await a.StartProxyAsync("node-1", a.Block.Host(2), extraArgs: ["--trust-domain", "mesh-a.test"]);
        var edge = a.Block.Host(3);
        await a.StartProxyAsync("edge", edge, extraArgs: ["--trust-domain", "mesh-a.test"]);
        await b.StartProxyAsync("node-1", b.Block.Host(2), extraArgs: ["--trust-domain", "mesh-b.test"]);
        await WaitReadyAsync(a, "mesh-b");
        await WaitReadyAsync(b, "mesh-a");
        await b.WaitListeningAsync(new IPEndPoint(client, UpstreamPort));

        await TestMesh.EventuallyAsync(() => ReachesAsync(client), TimeSpan.FromSeconds(30), "mesh-b's client reaching mesh-a's server through the network gateway");
        using (var http = FreshClient())
        {
            Assert.Contains("server-1", await http.GetStringAsync($"http://{client}:{UpstreamPort}/across"), StringComparison.Ordinal);
        }

        // The gateway relayed the tunnel without terminating it (its relay is logged when the pooled connection inside it
        // closes): the server's node proxy verified mesh-b's client itself.
        Assert.True(await a.StatAsync(edge, "inbound.network_gateway_relayed_total") >= 1);
        await a.WaitForLogLineAsync(
            l => l.Contains("spiffe://mesh-b.test/ns/default/sa/client", StringComparison.Ordinal) && l.Contains("server-1.default", StringComparison.Ordinal) &&
                 l.Contains("mutual_tls", StringComparison.Ordinal) && !l.Contains("relayed_by", StringComparison.Ordinal),
            "the server's node proxy logging the end-to-end mTLS tunnel from mesh-b's client");

        // The gateway's own policy stops the intruder before any byte reaches the server's node.
        Assert.False(await ReachesAsync(intruder));
        await a.WaitForLogLineAsync(
            l => l.Contains("HBONE 401 for spiffe://mesh-b.test/ns/default/sa/intruder", StringComparison.Ordinal) && l.Contains($"{serverAddress}:15008", StringComparison.Ordinal),
            "the network gateway denying mesh-b's intruder");

        // Without the gateway, mesh-b tunnels straight to the server's node, which admits the client only from the gateway.
        b.WriteConfig("federation.yaml", Federation("mesh-a", a));
        await TestMesh.EventuallyAsync(async () => !await ReachesAsync(client), TimeSpan.FromSeconds(30), "the direct path refused once the network gateway is removed");
        await a.WaitForLogLineAsync(
            l => l.Contains("spiffe://mesh-b.test/ns/default/sa/client", StringComparison.Ordinal) && l.Contains("rbac_access_denied", StringComparison.Ordinal),
            "the server's node proxy refusing the direct tunnel (not from the gateway's address)");
        var relayed = await a.StatAsync(edge, "inbound.network_gateway_relayed_total");
        Assert.False(await ReachesAsync(client));
        Assert.Equal(relayed, await a.StatAsync(edge, "inbound.network_gateway_relayed_total"));

        b.WriteConfig("federation.yaml", throughGateway);
        await TestMesh.EventuallyAsync(() => ReachesAsync(client), TimeSpan.FromSeconds(30), "the network gateway path again");
    }

    /// <summary>mesh-b's config: mesh-a's server as mesh-b sees it (its address, its identity in mesh-a's trust domain), and two callers with upstreams to it.</summary>
    private static string MeshBConfig(IPAddress serverAddress, IPAddress client, IPAddress intruder) =>
        Yaml.Service("server", "default", 80, 8080, "server") +
        Yaml.Workload("server-1", "default", "mesh-a", serverAddress, "server", "server").Replace("  node: mesh-a\n", "  node: mesh-a\n  trustDomain: mesh-a.test\n", StringComparison.Ordinal) +
        Yaml.Workload("client-1", "default", "node-1", client, "client", "client", ("server", 80, UpstreamPort)) +
        Yaml.Workload("intruder-1", "default", "node-1", intruder, "intruder", "intruder", ("server", 80, UpstreamPort));

    private static async Task<string> CheckAsync(TestMesh mesh)
    {
        await using var check = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString().TrimEnd('/')]);
        await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await TestMesh.EventuallyAsync(() => Task.FromResult(check.Output.Contains("warning(s).", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "skein check to finish its output");
        return check.Output;
    }

    /// <summary>A MeshFederation in <paramref name="self"/>'s config for <paramref name="peer"/>'s mesh, bootstrapped with its root file.</summary>
    private static string Federation(string name, TestMesh peer)
    {
        var trustDomain = $"{name}.test";
        return $"""
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata:
              name: {name}
              namespace: skein-system
            spec:
              trustDomain: {trustDomain}
              bundleEndpointURL: https://{peer.ControlAddress}:20002/.well-known/spiffe-bundle
              bundleEndpointProfile: https_spiffe
              endpointSPIFFEID: spiffe://{trustDomain}/ns/skein-system/sa/skein-control
              trustBundleFile: {peer.RootCertPath}
            """;
    }

    private static async Task WaitReadyAsync(TestMesh mesh, string name) =>
        await TestMesh.EventuallyAsync(async () =>
        {
            var list = await mesh.GetJsonAsync(new Uri(mesh.Api, $"api/v1/resources?kind=MeshFederation&namespace=skein-system&name={name}"));
            var conditions = list["items"]?.AsArray().SingleOrDefault()?["status"]?["conditions"]?.AsArray() ?? [];
            return conditions.Any(c => c?["type"]?.GetValue<string>() == "BundleFetched" && c["status"]?.GetValue<string>() == "True");
        }, TimeSpan.FromSeconds(30), $"MeshFederation {name} fetching its bundle");

    /// <summary>One request through the workload's localhost upstream on a new connection (so a new tunnel): 200 or not.</summary>
    private static async Task<bool> ReachesAsync(IPAddress workload)
    {
        using var http = FreshClient();
        try
        {
            using var response = await http.GetAsync($"http://{workload}:{UpstreamPort}/probe");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    private static HttpClient FreshClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
}
