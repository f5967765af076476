using System.Collections.Immutable;
using System.Net;
using Google.Protobuf;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;

namespace Skein.Unit.Tests.Outbound;

/// <summary>Service resolution is shared by the connections of one state snapshot and redone for the next.</summary>
public sealed class DestinationResolverTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.96.0.10");
    private const string ServiceKey = "shop/web.shop.svc.cluster.local";

    [Fact]
    public async Task Connections_in_one_snapshot_share_the_resolution_and_a_new_snapshot_resolves_again()
    {
        var state = new ProxyStateStore();
        state.Replace(s => s.With(services: Services(), workloads: Workloads(("web-1", "10.0.0.1", WorkloadStatus.Healthy))));
        var resolver = new DestinationResolver(state);

        var first = await resolver.ResolveAsync(new Destination(null, Vip, 80), "shop", CancellationToken.None);
        var second = await resolver.ResolveAsync(new Destination(null, Vip, 80), "shop", CancellationToken.None);
        Assert.Same(first, second);
        Assert.Equal("10.0.0.1:8080", Assert.Single(first.Endpoints).Key);
        Assert.Equal("outbound|80||web.shop.svc.cluster.local", first.Cluster);

        // An endpoint joins and the first one turns unhealthy: the next snapshot's connections see both changes.
        state.Replace(s => s.With(workloads: Workloads(("web-1", "10.0.0.1", WorkloadStatus.Unhealthy), ("web-2", "10.0.0.2", WorkloadStatus.Healthy))));
        var after = await resolver.ResolveAsync(new Destination(null, Vip, 80), "shop", CancellationToken.None);
        Assert.NotSame(first, after);
        Assert.Equal("10.0.0.2:8080", Assert.Single(after.Endpoints).Key);
    }

    [Fact]
    public async Task A_mesh_name_resolves_once_per_snapshot_and_per_caller_namespace()
    {
        var state = new ProxyStateStore();
        state.Replace(s => s.With(services: Services(), workloads: Workloads(("web-1", "10.0.0.1", WorkloadStatus.Healthy))));
        var resolver = new DestinationResolver(state);

        var byName = await resolver.ResolveAsync(new Destination("web.shop", null, 80), null, CancellationToken.None);
        var bareName = await resolver.ResolveAsync(new Destination("web", null, 80), "shop", CancellationToken.None);
        var byVip = await resolver.ResolveAsync(new Destination(null, Vip, 80), "shop", CancellationToken.None);
        Assert.Same(byVip, byName);
        Assert.Same(byVip, bareName);

        state.Replace(s => s.With(workloads: Workloads(("web-2", "10.0.0.2", WorkloadStatus.Healthy))));
        var after = await resolver.ResolveAsync(new Destination("web.shop", null, 80), null, CancellationToken.None);
        Assert.Equal("10.0.0.2:8080", Assert.Single(after.Endpoints).Key);
    }

    [Fact]
    public async Task Each_port_of_a_service_resolves_on_its_own()
    {
        var state = new ProxyStateStore();
        state.Replace(s => s.With(services: Services(), workloads: Workloads(("web-1", "10.0.0.1", WorkloadStatus.Healthy))));
        var resolver = new DestinationResolver(state);

        var http = await resolver.ResolveAsync(new Destination(null, Vip, 80), "shop", CancellationToken.None);
        var missing = await resolver.ResolveAsync(new Destination(null, Vip, 81), "shop", CancellationToken.None);

        Assert.Equal(OutboundError.None, http.Error);
        Assert.Equal(OutboundError.PortNotExposed, missing.Error);
        Assert.Equal("outbound|81||web.shop.svc.cluster.local", missing.Cluster);
    }

    private static ImmutableDictionary<string, Service> Services() => ImmutableDictionary<string, Service>.Empty.Add(ServiceKey, new Service
    {
        Name = "web",
        Namespace = "shop",
        Hostname = "web.shop.svc.cluster.local",
        Addresses = { new NetworkAddress { Address = ByteString.CopyFrom(Vip.GetAddressBytes()) } },
        Ports = { new Port { ServicePort = 80, TargetPort = 8080 } },
    });

    private static ImmutableDictionary<string, Workload> Workloads(params (string Name, string Ip, WorkloadStatus Status)[] workloads) =>
        workloads.ToImmutableDictionary(w => $"shop/{w.Name}", w => new Workload
        {
            Uid = $"shop/{w.Name}",
            Name = w.Name,
            Namespace = "shop",
            Status = w.Status,
            Addresses = { ByteString.CopyFrom(IPAddress.Parse(w.Ip).GetAddressBytes()) },
            Services = { [ServiceKey] = new PortList { Ports = { new Port { ServicePort = 80, TargetPort = 8080 } } } },
        });
}
