using System.Net;
using Google.Protobuf.WellKnownTypes;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;
using Scope = Skein.Core.Protos.Workload.LoadBalancing.Types.Scope;

namespace Skein.Unit.Tests.Outbound;

/// <summary>Endpoint choice: locality failover (Istio's load_balancing) and the TrafficPolicy algorithms, and what the control plane sends for them.</summary>
public sealed class EndpointPickerTests
{
    private static readonly Locality ZoneA = new() { Region = "eu", Zone = "eu-a" };
    private readonly EndpointPicker _picker = new(new PeakEwmaBalancer());

    [Fact]
    public void The_callers_zone_wins_then_its_region_then_anything_as_endpoints_drop_out()
    {
        var service = Service(localityPreference: true);
        UpstreamEndpoint[] endpoints = [Endpoint(1, "eu", "eu-a"), Endpoint(2, "eu", "eu-a"), Endpoint(3, "eu", "eu-b"), Endpoint(4, "us", "us-a")];

        Assert.Equal([1, 2], Picks(service, endpoints, ZoneA, []));
        // Both in-zone endpoints failed for this connection: the region's other zone, not the other region.
        Assert.Equal([3], Picks(service, endpoints, ZoneA, [endpoints[0].Key, endpoints[1].Key]));
        Assert.Equal([4], Picks(service, endpoints, ZoneA, [endpoints[0].Key, endpoints[1].Key, endpoints[2].Key]));
    }

    [Fact]
    public void Without_a_preference_or_a_known_caller_locality_every_endpoint_takes_traffic()
    {
        UpstreamEndpoint[] endpoints = [Endpoint(1, "eu", "eu-a"), Endpoint(2, "us", "us-a")];

        Assert.Equal([1, 2], Picks(Service(localityPreference: false), endpoints, ZoneA, []));
        Assert.Equal([1, 2], Picks(Service(localityPreference: true), endpoints, null, []));
        // A ranked list that would keep every endpoint anyway (none declare a locality) is not filtered.
        Assert.Equal([5, 6], Picks(Service(localityPreference: true), [Endpoint(5, "", ""), Endpoint(6, "", "")], ZoneA, []));
    }

    [Fact]
    public void Round_robin_takes_endpoints_in_turn()
    {
        var service = Service(localityPreference: false, ServiceLoadBalancer.Types.Algorithm.RoundRobin);
        UpstreamEndpoint[] endpoints = [Endpoint(1, "eu", "eu-a"), Endpoint(2, "eu", "eu-a"), Endpoint(3, "eu", "eu-a")];

        var picked = Enumerable.Range(0, 6).Select(_ => _picker.Pick(service, endpoints, ZoneA).Address.Address.GetAddressBytes()[3]).ToArray();

        Assert.Equal(3, picked.Distinct().Count());
        for (var i = 3; i < picked.Length; i++)
        {
            Assert.Equal(picked[i - 3], picked[i]);
        }
    }

    [Fact]
    public void Least_request_avoids_the_endpoint_with_more_outstanding_work()
    {
        var loads = new PeakEwmaBalancer();
        var picker = new EndpointPicker(loads);
        var service = Service(localityPreference: false, ServiceLoadBalancer.Types.Algorithm.LeastRequest);
        UpstreamEndpoint[] endpoints = [Endpoint(1, "eu", "eu-a"), Endpoint(2, "eu", "eu-a")];
        loads.Begin(endpoints[0]);
        loads.Begin(endpoints[0]);

        Assert.All(Enumerable.Range(0, 50), _ => Assert.Same(endpoints[1], picker.Pick(service, endpoints, null)));
    }

    [Fact]
    public void The_control_plane_sends_locality_failover_by_default_and_a_traffic_policys_choices()
    {
        var compiler = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." });
        var yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: plain, namespace: default}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: spread, namespace: default}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: spread, namespace: default}
            spec:
              targetRefs: [{group: "", kind: Service, name: spread}]
              loadBalancer: {type: ROUND_ROBIN, localityPreference: false}
            """;

        var addresses = compiler.Compile(TestConfig.Store(yaml).Current, "n").Get(TypeUrls.Address);
        Service Get(string name) => addresses[$"default/{name}.default.svc.cluster.local"].Body.Unpack<Address>().Service;

        var plain = Get("plain");
        Assert.Equal(Skein.Core.Protos.Workload.LoadBalancing.Types.Mode.Failover, plain.LoadBalancing.Mode);
        Assert.Equal([Scope.Region, Scope.Zone, Scope.Subzone], plain.LoadBalancing.RoutingPreference);
        Assert.Empty(plain.Extensions);
        var spread = Get("spread");
        Assert.Null(spread.LoadBalancing);
        var extension = Assert.Single(spread.Extensions);
        Assert.Equal(EndpointPicker.AlgorithmExtension, extension.Name);
        Assert.Equal(ServiceLoadBalancer.Types.Algorithm.RoundRobin, extension.Config.Unpack<ServiceLoadBalancer>().Algorithm);
    }

    /// <summary>The last address byte of every endpoint picked in 200 tries, sorted.</summary>
    private int[] Picks(Service service, IReadOnlyList<UpstreamEndpoint> endpoints, Locality? source, string[] exclude)
    {
        var excluded = new HashSet<string>(exclude, StringComparer.Ordinal);
        return [.. Enumerable.Range(0, 200).Select(_ => (int)_picker.Pick(service, endpoints, source, excluded).Address.Address.GetAddressBytes()[3]).Distinct().Order()];
    }

    private static Service Service(bool localityPreference, ServiceLoadBalancer.Types.Algorithm? algorithm = null)
    {
        var service = new Service { Name = "s", Namespace = "default", Hostname = "s.default.svc.cluster.local" };
        if (localityPreference)
        {
            service.LoadBalancing = new Skein.Core.Protos.Workload.LoadBalancing
            {
                Mode = Skein.Core.Protos.Workload.LoadBalancing.Types.Mode.Failover,
                RoutingPreference = { Scope.Region, Scope.Zone, Scope.Subzone },
            };
        }

        if (algorithm is { } a)
        {
            service.Extensions.Add(new Extension { Name = EndpointPicker.AlgorithmExtension, Config = Any.Pack(new ServiceLoadBalancer { Algorithm = a }) });
        }

        return service;
    }

    private static UpstreamEndpoint Endpoint(int n, string region, string zone) =>
        new(new IPEndPoint(IPAddress.Parse($"10.0.0.{n}"), 8080), new Workload
        {
            Name = $"w{n}",
            Namespace = "default",
            Locality = region.Length == 0 ? null : new Locality { Region = region, Zone = zone },
        });
}
