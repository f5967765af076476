using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control;
using Skein.Control.Ca;
using Skein.Control.Compiler;
using Skein.Core.Configuration;
using Skein.Core.Identity;
using Skein.Core.Protos.Workload;
using Skein.Core.Resources;
using Skein.Core.Xds;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.Outbound;
using Skein.Proxy.Pool;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;
using Skein.Proxy.Xds;

namespace Skein.Unit.Tests.OutsideMesh;

/// <summary>Workloads outside the mesh (skein.dev/dataplane-mode: none): compiled as tunnel_protocol NONE, reached in plain TCP, served by no proxy.</summary>
public sealed class OutsideMeshTests
{
    private const string Config = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: legacy
          labels: {skein.dev/dataplane-mode: none}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: vm-1, namespace: legacy, labels: {app: vm}}
        spec: {node: node-a, addresses: [10.1.0.1], serviceAccount: vm}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: enrolled-1, namespace: legacy, labels: {app: enrolled, skein.dev/dataplane-mode: hbone}}
        spec: {node: node-a, addresses: [10.1.0.2], serviceAccount: enrolled}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: db-1
          namespace: shop
          labels: {app: db, skein.dev/dataplane-mode: none, skein.dev/use-waypoint: waypoint}
        spec:
          node: node-a
          addresses: [10.1.0.3]
          serviceAccount: db
          upstreams: [{service: web, port: 80, localPort: 9301}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: web-1, namespace: shop, labels: {app: web}}
        spec:
          node: node-a
          addresses: [10.1.0.4]
          serviceAccount: web
          upstreams: [{service: db, port: 5432, localPort: 9302}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec:
          selector: {app: db}
          ports: [{name: sql, port: 5432}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: waypoint, namespace: shop}
        spec:
          gatewayClassName: skein-waypoint
          addresses: [{value: 127.0.55.1}]
          listeners: [{name: mesh, port: 15008, protocol: HBONE}]
        """;

    private static readonly MeshCompiler Compiler = new(new ControlPlaneOptions { ConfigDirectory = "." });

    private static Workload CompiledWorkload(string ns, string name) =>
        Compiler.Compile(TestConfig.Store(Config).Current, "node-a").Get(TypeUrls.Address)[$"embedded/skein.dev/Workload/{ns}/{name}"].Body.Unpack<Address>().Workload;

    [Fact]
    public void Meshed_workloads_are_hbone_and_the_label_on_the_workload_or_its_namespace_makes_them_none()
    {
        Assert.Equal(TunnelProtocol.Hbone, CompiledWorkload("shop", "web-1").TunnelProtocol);
        Assert.Equal(TunnelProtocol.None, CompiledWorkload("shop", "db-1").TunnelProtocol);
        Assert.Equal(TunnelProtocol.None, CompiledWorkload("legacy", "vm-1").TunnelProtocol);
        // The workload's own label wins over its namespace's: opted back in.
        Assert.Equal(TunnelProtocol.Hbone, CompiledWorkload("legacy", "enrolled-1").TunnelProtocol);
    }

    [Fact]
    public void An_outside_workload_gets_no_waypoint_and_no_localhost_upstreams()
    {
        Assert.Null(CompiledWorkload("shop", "db-1").Waypoint);
        var upstreams = Compiler.Compile(TestConfig.Store(Config).Current, "node-a").Get(TypeUrls.Upstream);
        Assert.Equal(["shop/web-1/9302"], upstreams.Keys);
    }

    [Fact]
    public void The_ca_refuses_identities_that_only_outside_workloads_have()
    {
        var snapshot = TestConfig.Store(Config).Current;
        var gateways = Compiler.GatewayApi(snapshot);

        Assert.False(NodeIdentityGrants.Allows(snapshot, gateways, "node-a", "shop", "db", out var reason));
        Assert.Contains("outside the mesh", reason, StringComparison.Ordinal);
        Assert.False(NodeIdentityGrants.Allows(snapshot, gateways, "node-a", "legacy", "vm", out _));
        Assert.True(NodeIdentityGrants.Allows(snapshot, gateways, "node-a", "legacy", "enrolled", out _));
        Assert.True(NodeIdentityGrants.Allows(snapshot, gateways, "node-a", "shop", "web", out _));
    }

    [Fact]
    public void An_invalid_mode_is_reported_and_the_last_good_config_keeps_serving()
    {
        var store = TestConfig.Store(Config, "mesh.yaml");
        var bad = ResourceLoader.LoadText(Config.Replace("skein.dev/dataplane-mode: hbone", "skein.dev/dataplane-mode: sidecar", StringComparison.Ordinal), "mesh.yaml");
        store.Apply("mesh.yaml", bad);

        var error = Assert.Single(store.Current.Errors);
        Assert.Equal("metadata.labels[\"skein.dev/dataplane-mode\"]", error.Field);
        Assert.Equal(TunnelProtocol.Hbone, Compiler.Compile(store.Current, "node-a").Get(TypeUrls.Address)["embedded/skein.dev/Workload/legacy/enrolled-1"].Body.Unpack<Address>().Workload.TunnelProtocol);
    }

    [Fact]
    public void Check_warns_about_policies_that_select_only_outside_workloads_and_waypoints_on_them()
    {
        var policies = """
            ---
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: db-only, namespace: shop}
            spec:
              selector: {matchLabels: {app: db}}
              rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]
            ---
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: web-only, namespace: shop}
            spec:
              selector: {matchLabels: {app: web}}
              rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]
            ---
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: vm-strict, namespace: legacy}
            spec:
              selector: {matchLabels: {app: vm}}
              mtls: {mode: STRICT}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: legacy-wide, namespace: legacy}
            spec:
              mtls: {mode: STRICT}
            """;
        var loaded = ResourceLoader.LoadText(Config + "\n" + policies, "mesh.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));

        var warnings = OutsideMeshWarnings.Of([.. loaded.Resources]).ToList();

        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.StartsWith("AuthorizationPolicy shop/db-only selects only workloads outside the mesh", StringComparison.Ordinal) && w.Contains("cannot be enforced: no proxy serves them", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("PeerAuthentication legacy/vm-strict selects only workloads outside the mesh", StringComparison.Ordinal));
        // legacy-wide also selects enrolled-1, which is in the mesh: it is enforced there, no warning.
        Assert.Contains(warnings, w => w.StartsWith("Workload shop/db-1 is outside the mesh", StringComparison.Ordinal) && w.Contains("skein.dev/use-waypoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_connector_reaches_an_outside_workload_in_plain_tcp_even_where_strict_mtls_would_refuse_the_caller()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        var outside = new Workload { Uid = "u/outside", Name = "db-1", Namespace = "shop", ServiceAccount = "db", Node = "node-b", TunnelProtocol = TunnelProtocol.None };
        var meshed = new Workload { Uid = "u/meshed", Name = "web-1", Namespace = "shop", ServiceAccount = "web", Node = "node-b", TunnelProtocol = TunnelProtocol.Hbone };
        using var harness = new ConnectorHarness();

        // No source identity (a caller that is no workload of the node): fine for an outside destination...
        var hop = await harness.Connector.ConnectAsync(new UpstreamEndpoint(new IPEndPoint(IPAddress.Loopback, port), outside), source: null, CancellationToken.None);
        Assert.Equal(HopSecurity.Passthrough, hop.Security);
        using var accepted = await backend.AcceptTcpClientAsync();
        await hop.Stream.WriteAsync("hello"u8.ToArray());
        var buffer = new byte[5];
        await accepted.GetStream().ReadExactlyAsync(buffer);
        Assert.Equal("hello"u8.ToArray(), buffer);
        await hop.Stream.DisposeAsync();

        // ...and from a gateway identity: still plain TCP to the workload's own port, never HBONE to :15008.
        var fromGateway = await harness.Connector.ConnectAsync(new UpstreamEndpoint(new IPEndPoint(IPAddress.Loopback, port), outside),
            SpiffeId.Parse("spiffe://cluster.local/ns/infra/sa/gw"), [], CancellationToken.None);
        Assert.Equal(HopSecurity.Passthrough, fromGateway.Security);
        using (await backend.AcceptTcpClientAsync())
        {
            await fromGateway.Stream.DisposeAsync();
        }

        // A meshed destination under the default STRICT mode refuses the same identity-less caller.
        await Assert.ThrowsAsync<HopException>(async () =>
            await harness.Connector.ConnectAsync(new UpstreamEndpoint(new IPEndPoint(IPAddress.Loopback, port), meshed), source: null, CancellationToken.None));
    }

    [Fact]
    public void A_node_proxy_serves_only_its_meshed_workloads()
    {
        Assert.True(new Workload { Node = "node-a", TunnelProtocol = TunnelProtocol.Hbone }.IsServedBy("node-a"));
        Assert.False(new Workload { Node = "node-a", TunnelProtocol = TunnelProtocol.None }.IsServedBy("node-a"));
        Assert.False(new Workload { Node = "node-b", TunnelProtocol = TunnelProtocol.Hbone }.IsServedBy("node-a"));
    }

    /// <summary>A connector wired like a proxy's, with a throwaway root (nothing here needs a certificate).</summary>
    private sealed class ConnectorHarness : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");

        public ConnectorHarness()
        {
            using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            using (var root = new CertificateRequest("CN=test root", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)))
            {
                File.WriteAllText(_root, root.ExportCertificatePem());
            }

            var options = new ProxyOptions { Node = "node-a", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _root, Token = "t", AccessLogFormat = "off" };
            var state = new ProxyStateStore();
            var trust = new MeshTrust(options);
            var certificates = new WorkloadCertificates(options, state, new ControlPlaneChannel(options, trust, NullLogger<ControlPlaneChannel>.Instance), trust, new ProxyStats(), NullLogger<WorkloadCertificates>.Instance);
            Connector = new HboneConnector(options, state, certificates, trust, new HbonePool(NullLogger<HbonePool>.Instance), NullLogger<HboneConnector>.Instance);
        }

        public HboneConnector Connector { get; }

        public void Dispose() => File.Delete(_root);
    }
}
