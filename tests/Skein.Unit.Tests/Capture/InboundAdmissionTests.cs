using System.Collections.Immutable;
using System.Net;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using Skein.Proxy.Inbound;
using Skein.Proxy.State;
using Security = Skein.Core.Protos.Security;

namespace Skein.Unit.Tests.Capture;

/// <summary>The inbound decision HBONE tunnels and captured plaintext (15006) share: PeerAuthentication, then L4 policy.</summary>
public sealed class InboundAdmissionTests
{
    private const string Base = """
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: db-1
          namespace: shop
          labels:
            app: db
        spec:
          node: n
          addresses: [10.0.0.9]
          serviceAccount: db
        ---

        """;

    private static MeshState Mesh(string extra)
    {
        var view = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." }).Compile(TestConfig.Store(Base + extra).Current, "n");
        var workloads = view.Get(TypeUrls.Address).Select(p => p.Value.Body.Unpack<Address>()).Where(a => a.Workload is not null)
            .ToImmutableDictionary(a => a.Workload.Uid, a => a.Workload);
        var mtls = view.Get(TypeUrls.WorkloadMtls).ToImmutableDictionary(p => p.Key, p => p.Value.Body.Unpack<WorkloadMtls>());
        var authz = view.Get(TypeUrls.Authorization).ToImmutableDictionary(p => p.Key, p => p.Value.Body.Unpack<Security.Authorization>());
        return MeshState.Empty.With(workloads: workloads, policies: authz, mtls: mtls);
    }

    private static InboundAdmission.Verdict Plaintext(MeshState mesh, int port = 5432, string from = "192.0.2.7") =>
        InboundAdmission.Decide(mesh, mesh.Workloads.Values.Single(), port, null, IPAddress.Parse(from), IPAddress.Parse("10.0.0.9"), "cluster.local");

    private const string Permissive = """
        apiVersion: skein.dev/v1alpha1
        kind: PeerAuthentication
        metadata: {name: db, namespace: shop}
        spec:
          selector: {matchLabels: {app: db}}
          mtls: {mode: PERMISSIVE}
        ---

        """;

    [Fact]
    public void Plaintext_is_refused_under_strict_by_default()
    {
        var verdict = Plaintext(Mesh(""));
        Assert.False(verdict.Allowed);
        Assert.Equal("inbound.denied_plaintext", verdict.Counter);
        Assert.Contains("requires mTLS (PeerAuthentication STRICT)", verdict.Reason);
    }

    [Fact]
    public void Permissive_and_per_port_disable_let_plaintext_through()
    {
        Assert.True(Plaintext(Mesh(Permissive)).Allowed);
        var perPort = Mesh("""
            apiVersion: skein.dev/v1alpha1
            kind: PeerAuthentication
            metadata: {name: db, namespace: shop}
            spec:
              selector: {matchLabels: {app: db}}
              mtls: {mode: STRICT}
              portLevelMtls:
                "5432": {mode: DISABLE}
            ---

            """);
        Assert.True(Plaintext(perPort, 5432).Allowed);
        Assert.False(Plaintext(perPort, 8080).Allowed);
    }

    [Fact]
    public void Without_an_identity_principal_rules_never_match_but_ip_blocks_do()
    {
        var principals = Mesh(Permissive + """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: web-only, namespace: shop}
            spec:
              selector: {matchLabels: {app: db}}
              action: ALLOW
              rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]
            ---

            """);
        var refused = Plaintext(principals);
        Assert.False(refused.Allowed);
        Assert.Equal("inbound.denied_policy", refused.Counter);
        Assert.True(InboundAdmission.Decide(principals, principals.Workloads.Values.Single(), 5432, SpiffeId.ForWorkload("cluster.local", "shop", "web"),
            IPAddress.Parse("10.0.0.8"), IPAddress.Parse("10.0.0.9"), "cluster.local").Allowed);

        var blocks = Mesh(Permissive + """
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: no-lab, namespace: shop}
            spec:
              selector: {matchLabels: {app: db}}
              action: DENY
              rules: [{from: [{source: {ipBlocks: [192.0.2.0/24]}}]}]
            ---

            """);
        var denied = Plaintext(blocks);
        Assert.False(denied.Allowed);
        Assert.Equal("shop/no-lab", denied.Denial!.Policy);
        Assert.True(Plaintext(blocks, from: "198.51.100.1").Allowed);
    }
}
