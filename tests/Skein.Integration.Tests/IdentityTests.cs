using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Skein.Core.Identity;
using Skein.Core.Protos.Ca;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>The mesh CA: node proxies get certificates for their own workloads only, over TLS the proxy verifies.</summary>
public sealed class IdentityTests
{
    private static async Task<TestMesh> StartTwoNodeMeshAsync()
    {
        var mesh = new TestMesh();
        mesh.WriteConfig("mesh.yaml",
            Yaml.Workload("web-1", "shop", "node-a", mesh.Block.Host(10), "web", "web") +
            Yaml.Workload("db-1", "shop", "node-b", mesh.Block.Host(20), "db", "db"));
        await mesh.StartControlAsync();
        return mesh;
    }

    internal static GrpcChannel CaChannel(TestMesh mesh) => GrpcChannel.ForAddress($"https://{mesh.ControlAddress}:15012", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                // This test client checks the chain itself below; it is not the code under test here.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        },
    });

    internal static async Task<IstioCertificateResponse> RequestAsync(GrpcChannel channel, string? token, string identity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        csr.CertificateExtensions.Add(SpiffeSanExtension.Create(SpiffeId.Parse(identity)));
        var request = new IstioCertificateRequest { Csr = csr.CreateSigningRequestPem(), Metadata = new Struct() };
        request.Metadata.Fields["ImpersonatedIdentity"] = Value.ForString(identity);
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", $"Bearer {token}");
        }

        return await new IstioCertificateService.IstioCertificateServiceClient(channel).CreateCertificateAsync(request, headers);
    }

    [Fact]
    public async Task A_node_gets_svids_for_its_own_workloads_and_is_denied_anyone_elses()
    {
        await using var mesh = await StartTwoNodeMeshAsync();
        using var channel = CaChannel(mesh);
        var roots = new TrustBundleSet();
        roots.Set("cluster.local", [X509Certificate2.CreateFromPem(File.ReadAllText(mesh.RootCertPath))]);

        var response = await RequestAsync(channel, mesh.TokenFor("node-a"), "spiffe://cluster.local/ns/shop/sa/web");
        var chain = response.CertChain.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();
        var result = SvidValidator.Validate(chain[0], chain.Skip(1).ToList(), roots, DateTimeOffset.UtcNow);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", result.Id.ToString());
        var lifetime = chain[0].NotAfter - chain[0].NotBefore;
        Assert.InRange(lifetime, TimeSpan.FromHours(24), TimeSpan.FromHours(24.2));
        Assert.NotNull(chain[0].GetECDsaPublicKey());

        var denied = await Assert.ThrowsAsync<RpcException>(() => RequestAsync(channel, mesh.TokenFor("node-a"), "spiffe://cluster.local/ns/shop/sa/db"));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("node-a", denied.Status.Detail);

        var foreign = await Assert.ThrowsAsync<RpcException>(() => RequestAsync(channel, mesh.TokenFor("node-a"), "spiffe://other.domain/ns/shop/sa/web"));
        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => RequestAsync(channel, null, "spiffe://cluster.local/ns/shop/sa/web"));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var forged = await Assert.ThrowsAsync<RpcException>(() => RequestAsync(channel, mesh.TokenFor("node-a")[..^2] + "xx", "spiffe://cluster.local/ns/shop/sa/web"));
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);

        await TestMesh.EventuallyAsync(() => Task.FromResult(mesh.Control!.Output.Contains("denied certificate for spiffe://cluster.local/ns/shop/sa/db to node node-a")),
            TimeSpan.FromSeconds(5), "the denial to be logged");
        var metrics = await mesh.Http.GetStringAsync($"http://{mesh.ControlAddress}:15014/metrics");
        Assert.Contains("skein_ca_requests_denied_total 2", metrics);
        Assert.Contains("skein_ca_certificates_issued_total 1", metrics);
    }

    [Fact]
    public async Task Node_proxies_hold_certificates_for_exactly_the_identities_placed_on_them()
    {
        await using var mesh = await StartTwoNodeMeshAsync();
        var nodeA = mesh.Block.Host(2);
        var nodeB = mesh.Block.Host(3);
        await mesh.StartProxyAsync("node-a", nodeA);
        await mesh.StartProxyAsync("node-b", nodeB);

        async Task<string[]> Identities(IPAddress proxy) =>
            (await mesh.ConfigDumpAsync(proxy))["certificates"]!.AsArray().Select(c => c!["identity"]!.GetValue<string>()).ToArray();

        await TestMesh.EventuallyAsync(async () => (await Identities(nodeA)).SequenceEqual(["spiffe://cluster.local/ns/shop/sa/web"]), TimeSpan.FromSeconds(10), "node-a's certificate");
        await TestMesh.EventuallyAsync(async () => (await Identities(nodeB)).SequenceEqual(["spiffe://cluster.local/ns/shop/sa/db"]), TimeSpan.FromSeconds(10), "node-b's certificate");
        var cert = (await mesh.ConfigDumpAsync(nodeA))["certificates"]![0]!;
        Assert.True(cert["renewAt"]!.GetValue<DateTimeOffset>() < cert["notAfter"]!.GetValue<DateTimeOffset>());

        // Moving the workload to node-b moves its identity too.
        mesh.WriteConfig("mesh.yaml",
            Yaml.Workload("web-1", "shop", "node-b", mesh.Block.Host(10), "web", "web") +
            Yaml.Workload("db-1", "shop", "node-b", mesh.Block.Host(20), "db", "db"));
        await TestMesh.EventuallyAsync(async () => (await Identities(nodeA)).Length == 0, TimeSpan.FromSeconds(10), "node-a to drop web's certificate");
        await TestMesh.EventuallyAsync(async () => (await Identities(nodeB)).Length == 2, TimeSpan.FromSeconds(10), "node-b to obtain web's certificate");
    }

    [Fact]
    public async Task A_proxy_refuses_a_control_plane_that_does_not_chain_to_its_root_and_a_token_for_another_node_is_refused()
    {
        await using var mesh = await StartTwoNodeMeshAsync();
        var node = mesh.Block.Host(2);

        // A root from some other mesh: the proxy must not trust this control plane.
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRoot = new CertificateRequest("CN=Other Root", otherKey, HashAlgorithmName.SHA256);
        otherRoot.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRoot.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var otherPath = Path.Combine(mesh.Root, "other-root.pem");
        File.WriteAllText(otherPath, other.ExportCertificatePem());

        var untrusting = mesh.Track(TestProcess.Skein("proxy-untrusting", ["proxy", "--node", "node-a", "--address", node.ToString(), "--control", $"{mesh.ControlAddress}:15012"],
            new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = otherPath, ["SKEIN_TOKEN"] = mesh.TokenFor("node-a") }));
        await untrusting.WaitForOutputAsync("refusing the control plane's certificate", TimeSpan.FromSeconds(20));
        using (var ready = await mesh.Http.GetAsync(TestMesh.AdminUri(node, "ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var probe = await mesh.Http.GetAsync(new Uri($"http://{node}:15021/healthz/ready")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        }

        await untrusting.DisposeAsync();

        // node-b's token does not let a proxy subscribe as node-a.
        var impostor = mesh.Track(TestProcess.Skein("proxy-impostor", ["proxy", "--node", "node-a", "--address", mesh.Block.Host(4).ToString(), "--control", $"{mesh.ControlAddress}:15012"],
            new Dictionary<string, string> { ["SKEIN_ROOT_CERT"] = mesh.RootCertPath, ["SKEIN_TOKEN"] = mesh.TokenFor("node-b") }));
        await mesh.Control!.WaitForOutputAsync("node node-b tried to subscribe as node-a", TimeSpan.FromSeconds(20));
        Assert.False(impostor.HasExited);
    }

    [Fact]
    public async Task The_root_persists_across_control_plane_restarts_and_skein_token_matches()
    {
        await using var mesh = await StartTwoNodeMeshAsync();
        var before = await File.ReadAllTextAsync(mesh.RootCertPath);
        mesh.Control!.KillHard();
        await mesh.Control.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await mesh.StartControlAsync();
        Assert.Equal(before, await File.ReadAllTextAsync(mesh.RootCertPath));

        await using var token = TestProcess.Skein("token", ["token", "--state", mesh.StateDir, "--node", "node-a"]);
        Assert.Equal(0, await token.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(100);
        Assert.Equal(mesh.TokenFor("node-a"), token.Output.Trim());
    }

    [Fact]
    public async Task Certificates_renew_at_half_life_without_dropping_an_open_connection()
    {
        await using var mesh = new TestMesh();
        var (node, _, client) = await mesh.StartEchoAndClientAsync(9001, "", "--workload-cert-ttl", "6s");

        async Task<string> Serial() => (await mesh.ConfigDumpAsync(node))["certificates"]!.AsArray()
            .Single(c => c!["identity"]!.GetValue<string>() == "spiffe://cluster.local/ns/default/sa/client")!["serial"]!.GetValue<string>();

        // One keep-alive HTTP connection through the upstream listener: one HBONE mTLS tunnel for its whole life.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false });
        await TestMesh.EventuallyAsync(async () => (await mesh.ConfigDumpAsync(node))["certificates"]!.AsArray().Count == 2, TimeSpan.FromSeconds(10), "the first certificates");
        var first = await Serial();
        // The readiness probe's connection is counted when the proxy accepts it, which can lag the probe's connect.
        await TestMesh.EventuallyAsync(async () => await mesh.StatAsync(node, "listener.upstream.downstream_cx_total") >= 1, TimeSpan.FromSeconds(10), "the readiness probe's connection to be counted");
        var connectionsBefore = await mesh.StatAsync(node, "listener.upstream.downstream_cx_total"); // the readiness probe
        var serials = new HashSet<string> { first };
        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync($"http://{client}:9001/tick/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            serials.Add(await Serial());
            await Task.Delay(500);
        }

        Assert.True(serials.Count >= 3, $"expected renewals every ~3 s over 10 s, saw serials {string.Join(", ", serials)}");
        // The same tunnel carried every request: one HBONE connection, one upstream connection.
        Assert.Equal(connectionsBefore + 1, await mesh.StatAsync(node, "listener.upstream.downstream_cx_total"));
        Assert.Equal(0, await mesh.StatAsync(node, "cluster.outbound|80||echo.default.svc.cluster.local.upstream_cx_connect_fail"));

        // And a new connection after several renewals uses a current certificate and works.
        using var fresh = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync($"http://{client}:9001/after")).StatusCode);
    }
}
