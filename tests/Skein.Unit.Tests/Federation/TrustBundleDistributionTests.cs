using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Control.Federation;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using Skein.Proxy;
using Skein.Proxy.Identity;
using Skein.Proxy.Xds;
using Skein.Unit.Tests.Identity;
using SkeinProto = Skein.Core.Protos.Skein;
using XdsResource = Skein.Core.Protos.Envoy.Discovery.Resource;

namespace Skein.Unit.Tests.Federation;

/// <summary>Federated bundles from the control plane's holdings to the proxy's trust set, and foreign workloads' identities.</summary>
public sealed class TrustBundleDistributionTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _rootFile = Path.Combine(Path.GetTempPath(), $"skein-root-{Guid.NewGuid():N}.pem");

    public TrustBundleDistributionTests()
    {
        File.WriteAllText(_rootFile, _pki.CreateRoot("mesh-b.test").ExportCertificatePem());
    }

    /// <summary>A proxy's trust set in mesh-b, with mesh-b's root from the file as the local bundle.</summary>
    private MeshTrust MeshBTrust() =>
        new(new ProxyOptions { Node = "n", ControlPlane = new Uri("https://127.0.0.1:1"), RootCertFile = _rootFile, Token = "t", TrustDomain = "mesh-b.test" });

    public void Dispose()
    {
        File.Delete(_rootFile);
        _pki.Dispose();
    }

    [Fact]
    public void Every_role_gets_one_trust_bundle_per_held_peer_and_a_change_is_announced()
    {
        var bundles = new FederatedBundles();
        var changes = 0;
        bundles.Changed += () => changes++;
        var compiler = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." }, null, bundles);
        var root = _pki.CreateRoot("mesh-a.test");

        bundles.Set("mesh-a.test", [root], 7, "endpoint");
        bundles.Set("mesh-a.test", [root], 7, "endpoint"); // same roots: nothing to push

        foreach (var role in new[] { "node", "gateway", "waypoint" })
        {
            var view = compiler.Compile(TestConfig.Store(TestConfig.Bookstore).Current, "n", role);
            var bundle = Assert.Single(view.Get(TypeUrls.TrustBundle)).Value.Body.Unpack<SkeinProto.TrustBundle>();
            Assert.Equal("mesh-a.test", bundle.TrustDomain);
            Assert.Equal(7ul, bundle.Sequence);
            Assert.Equal(root.RawData, bundle.Roots.Single().ToByteArray());
        }

        Assert.Equal(1, changes);
        bundles.Remove("mesh-a.test");
        Assert.Equal(2, changes);
        Assert.Empty(compiler.Compile(TestConfig.Store(TestConfig.Bookstore).Current, "n").Get(TypeUrls.TrustBundle));
    }

    [Fact]
    public void A_workload_of_a_federated_mesh_carries_its_own_trust_domain()
    {
        var compiler = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = ".", TrustDomain = "mesh-b.test" });
        var yaml = """
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: server, namespace: default}
            spec: {node: mesh-a, serviceAccount: server, trustDomain: mesh-a.test, addresses: [10.1.0.1]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: default}
            spec: {node: n, serviceAccount: client, addresses: [10.2.0.1]}
            """;

        var addresses = compiler.Compile(TestConfig.Store(yaml).Current, "n").Get(TypeUrls.Address);

        Assert.Equal("mesh-a.test", addresses["embedded/skein.dev/Workload/default/server"].Body.Unpack<Address>().Workload.TrustDomain);
        Assert.Equal("mesh-b.test", addresses["embedded/skein.dev/Workload/default/client"].Body.Unpack<Address>().Workload.TrustDomain);
    }

    [Fact]
    public void A_peer_workload_is_reached_through_its_mesh_network_gateway_and_a_labelled_workload_is_one()
    {
        var compiler = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = ".", TrustDomain = "mesh-b.test" });
        var yaml = """
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: mesh-a, namespace: skein-system}
            spec: {trustDomain: mesh-a.test, bundleEndpointURL: "https://10.9.0.1:20002/", networkGateway: {address: 10.9.0.2, port: 15009}}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: mesh-c, namespace: skein-system}
            spec: {trustDomain: mesh-c.test, bundleEndpointURL: "https://10.9.0.3:20002/", networkGateway: {address: east.mesh-c.test, port: 15008}}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: server, namespace: default}
            spec: {node: mesh-a, serviceAccount: server, trustDomain: mesh-a.test, addresses: [10.1.0.1]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: far, namespace: default}
            spec: {node: mesh-c, serviceAccount: far, trustDomain: mesh-c.test, addresses: [10.3.0.1]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: eastwest, namespace: skein-system, labels: {skein.dev/network-gateway: "true"}}
            spec: {node: edge, serviceAccount: eastwest, addresses: [10.2.0.9]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: client, namespace: default}
            spec: {node: n, serviceAccount: client, addresses: [10.2.0.1]}
            """;

        var addresses = compiler.Compile(TestConfig.Store(yaml).Current, "n").Get(TypeUrls.Address);
        Workload Get(string ns, string name) => addresses[$"embedded/skein.dev/Workload/{ns}/{name}"].Body.Unpack<Address>().Workload;

        var server = Get("default", "server").NetworkGateway;
        Assert.Equal(System.Net.IPAddress.Parse("10.9.0.2").GetAddressBytes(), server.Address.Address.ToByteArray());
        Assert.Equal(15009u, server.HboneMtlsPort);
        Assert.Equal("east.mesh-c.test", Get("default", "far").NetworkGateway.Hostname.Hostname);
        Assert.Null(Get("default", "client").NetworkGateway);
        Assert.Equal("skein.dev/network-gateway", Assert.Single(Get("skein-system", "eastwest").Extensions).Name);
        Assert.Empty(Get("default", "client").Extensions);
    }

    [Fact]
    public async Task The_proxy_adds_replaces_and_removes_federated_bundles_but_never_its_own()
    {
        var trust = MeshBTrust();
        var handler = new TrustBundleHandler(trust, NullLogger<TrustBundleHandler>.Instance);
        var first = _pki.CreateRoot("mesh-a.test");
        var second = _pki.CreateRoot("mesh-a.test", "CN=rotated");

        await handler.ApplyAsync([Bundle("mesh-a.test", first)], [], default);
        Assert.True(trust.Bundles.TryGetRoots("mesh-a.test", out var roots));
        Assert.Equal(first.Thumbprint, Assert.Single(roots).Thumbprint);

        await handler.ApplyAsync([Bundle("mesh-a.test", second)], [], default);
        Assert.True(trust.Bundles.TryGetRoots("mesh-a.test", out roots));
        Assert.Equal(second.Thumbprint, Assert.Single(roots).Thumbprint);

        await handler.ApplyAsync([], ["mesh-a.test", "mesh-b.test"], default);
        Assert.False(trust.Bundles.TryGetRoots("mesh-a.test", out _));
        Assert.True(trust.Bundles.TryGetRoots("mesh-b.test", out _)); // the local root stays: it is not xDS's to remove
    }

    [Fact]
    public async Task Unusable_bundles_are_rejected_whole_and_change_nothing()
    {
        var trust = MeshBTrust();
        var handler = new TrustBundleHandler(trust, NullLogger<TrustBundleHandler>.Instance);
        var root = _pki.CreateRoot("mesh-a.test");
        var leaf = _pki.CreateLeaf(root);
        var good = Bundle("mesh-a.test", root);

        var local = await Assert.ThrowsAsync<XdsRejectedException>(() => handler.ApplyAsync([good, Bundle("mesh-b.test", root)], [], default));
        Assert.Contains("--root-cert", local.Message, StringComparison.Ordinal);
        var notCa = await Assert.ThrowsAsync<XdsRejectedException>(() => handler.ApplyAsync([good, Bundle("mesh-c.test", leaf)], [], default));
        Assert.Contains("not a CA certificate", notCa.Message, StringComparison.Ordinal);
        var garbage = new XdsResource { Name = "mesh-c.test", Resource_ = Any.Pack(new SkeinProto.TrustBundle { TrustDomain = "mesh-c.test", Roots = { ByteString.CopyFromUtf8("nope") } }) };
        await Assert.ThrowsAsync<XdsRejectedException>(() => handler.ApplyAsync([good, garbage], [], default));
        await Assert.ThrowsAsync<XdsRejectedException>(() => handler.ApplyAsync([Bundle("Mesh-C.test", root)], [], default));

        Assert.False(trust.Bundles.TryGetRoots("mesh-a.test", out _));
    }

    private static XdsResource Bundle(string trustDomain, System.Security.Cryptography.X509Certificates.X509Certificate2 root) => new()
    {
        Name = trustDomain,
        Resource_ = Any.Pack(new SkeinProto.TrustBundle { TrustDomain = trustDomain, Roots = { ByteString.CopyFrom(root.RawData) } }),
    };
}
