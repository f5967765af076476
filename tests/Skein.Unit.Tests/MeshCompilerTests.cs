using System.Net;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests;

public sealed class MeshCompilerTests
{
    private static readonly MeshCompiler Compiler = new(new ControlPlaneOptions { ConfigDirectory = "." });

    [Fact]
    public void Workloads_carry_identity_and_the_services_they_back_with_named_target_ports_resolved()
    {
        var view = Compiler.Compile(TestConfig.Store(TestConfig.Bookstore).Current, "node-a");
        var addresses = view.Get(TypeUrls.Address);
        var catalog = addresses["embedded/skein.dev/Workload/shop/catalog-1"].Body.Unpack<Address>().Workload;

        Assert.Equal("catalog", catalog.ServiceAccount);
        Assert.Equal("cluster.local", catalog.TrustDomain);
        Assert.Equal("node-b", catalog.Node);
        Assert.Equal(("catalog", "v2"), (catalog.CanonicalName, catalog.CanonicalRevision));
        Assert.Equal(IPAddress.Parse("10.0.0.5"), new IPAddress(catalog.Addresses[0].Span));
        var ports = catalog.Services["shop/catalog.shop.svc.cluster.local"].Ports;
        Assert.Equal([(80u, 8080u), (9000u, 9000u)], ports.Select(p => (p.ServicePort, p.TargetPort)));

        var web = addresses["embedded/skein.dev/Workload/shop/web-1"].Body.Unpack<Address>().Workload;
        Assert.Empty(web.Services);
    }

    [Fact]
    public void Services_get_a_stable_vip_in_the_reserved_range()
    {
        var first = Compiler.Compile(TestConfig.Store(TestConfig.Bookstore).Current, "node-a");
        var again = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." }).Compile(TestConfig.Store(TestConfig.Bookstore).Current, "node-b");
        var service = first.Get(TypeUrls.Address)["shop/catalog.shop.svc.cluster.local"];
        var vip = new IPAddress(service.Body.Unpack<Address>().Service.Addresses[0].Address.Span);

        Assert.Equal(240, vip.GetAddressBytes()[0]);
        Assert.Equal(service.Version, again.Get(TypeUrls.Address)["shop/catalog.shop.svc.cluster.local"].Version);
    }

    [Fact]
    public void Upstreams_go_only_to_the_node_of_the_workload_that_declared_them()
    {
        var snapshot = TestConfig.Store(TestConfig.Bookstore).Current;
        var nodeA = Compiler.Compile(snapshot, "node-a").Get(TypeUrls.Upstream);
        var nodeB = Compiler.Compile(snapshot, "node-b").Get(TypeUrls.Upstream);

        Assert.Empty(nodeB);
        Assert.Equal(["shop/web-1/9101", "shop/web-1/9102"], nodeA.Keys.Order());
        var local = nodeA["shop/web-1/9101"].Body.Unpack<SkeinProto.Upstream>();
        Assert.Equal("shop/catalog.shop.svc.cluster.local", local.Service);
        Assert.Equal(IPAddress.Parse("127.0.10.2"), new IPAddress(local.BindAddress.Span)); // the workload's own loopback address
        var other = nodeA["shop/web-1/9102"].Body.Unpack<SkeinProto.Upstream>();
        Assert.Equal("elsewhere/other.elsewhere.svc.cluster.local", other.Service);
        Assert.Equal(IPAddress.Loopback, new IPAddress(other.BindAddress.Span));
    }
}
