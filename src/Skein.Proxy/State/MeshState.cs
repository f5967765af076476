using System.Collections.Immutable;
using System.Net;
using Skein.Core.Protos.Workload;
using Authorization = Skein.Core.Protos.Security.Authorization;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Proxy.State;

/// <summary>An immutable picture of the mesh as one proxy knows it, with the indexes the data path needs.</summary>
public sealed class MeshState
{
    public static readonly MeshState Empty = new(
        ImmutableDictionary<string, Workload>.Empty,
        ImmutableDictionary<string, Service>.Empty,
        ImmutableDictionary<string, SkeinProto.Upstream>.Empty,
        ImmutableDictionary<string, Authorization>.Empty,
        ImmutableDictionary<string, SkeinProto.WorkloadMtls>.Empty);

    public MeshState(
        ImmutableDictionary<string, Workload> workloads,
        ImmutableDictionary<string, Service> services,
        ImmutableDictionary<string, SkeinProto.Upstream> upstreams,
        ImmutableDictionary<string, Authorization> policies,
        ImmutableDictionary<string, SkeinProto.WorkloadMtls> mtls)
    {
        Mtls = mtls;
        Workloads = workloads;
        Services = services;
        Upstreams = upstreams;
        Policies = policies;

        var vips = new Dictionary<IPAddress, Service>();
        foreach (var service in services.Values)
        {
            foreach (var address in service.Addresses)
            {
                vips[new IPAddress(address.Address.Span)] = service;
            }
        }

        var byIp = new Dictionary<IPAddress, Workload>();
        var endpoints = new Dictionary<string, List<Workload>>(StringComparer.Ordinal);
        foreach (var workload in workloads.Values.OrderBy(w => w.Uid, StringComparer.Ordinal))
        {
            foreach (var address in workload.Addresses)
            {
                byIp[new IPAddress(address.Span)] = workload;
            }

            foreach (var serviceKey in workload.Services.Keys)
            {
                if (!endpoints.TryGetValue(serviceKey, out var list))
                {
                    endpoints[serviceKey] = list = [];
                }

                list.Add(workload);
            }
        }

        ServicesByVip = vips;
        WorkloadsByIp = byIp;
        EndpointsByService = endpoints.ToDictionary(p => p.Key, p => (IReadOnlyList<Workload>)p.Value, StringComparer.Ordinal);
    }

    /// <summary>Workloads by uid.</summary>
    public ImmutableDictionary<string, Workload> Workloads { get; }

    /// <summary>Services by "namespace/hostname".</summary>
    public ImmutableDictionary<string, Service> Services { get; }

    /// <summary>This node's localhost upstreams by xDS name.</summary>
    public ImmutableDictionary<string, SkeinProto.Upstream> Upstreams { get; }

    /// <summary>Each workload's resolved PeerAuthentication, by workload uid.</summary>
    public ImmutableDictionary<string, SkeinProto.WorkloadMtls> Mtls { get; }

    /// <summary>A copy with some parts replaced; indexes are rebuilt.</summary>
    public MeshState With(
        ImmutableDictionary<string, Workload>? workloads = null,
        ImmutableDictionary<string, Service>? services = null,
        ImmutableDictionary<string, SkeinProto.Upstream>? upstreams = null,
        ImmutableDictionary<string, Authorization>? policies = null,
        ImmutableDictionary<string, SkeinProto.WorkloadMtls>? mtls = null) =>
        new(workloads ?? Workloads, services ?? Services, upstreams ?? Upstreams, policies ?? Policies, mtls ?? Mtls);

    /// <summary>How a workload accepts inbound mesh traffic on a target port; STRICT unless a policy says otherwise.</summary>
    public SkeinProto.MtlsMode MtlsModeFor(Workload workload, int port) =>
        Mtls.TryGetValue(workload.Uid, out var m)
            ? (m.Ports.TryGetValue((uint)port, out var byPort) ? byPort : m.Mode)
            : SkeinProto.MtlsMode.Strict;

    /// <summary>L4 authorization policies by "namespace/name".</summary>
    public ImmutableDictionary<string, Authorization> Policies { get; }

    public IReadOnlyDictionary<IPAddress, Service> ServicesByVip { get; }

    public IReadOnlyDictionary<IPAddress, Workload> WorkloadsByIp { get; }

    /// <summary>Workloads backing each service, keyed "namespace/hostname".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Workload>> EndpointsByService { get; }

    public static string ServiceKey(Service s) => $"{s.Namespace}/{s.Hostname}";
}
