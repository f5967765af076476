using System.Runtime.CompilerServices;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Outbound;
using LocalityMode = Skein.Core.Protos.Workload.LoadBalancing.Types.Mode;
using Scope = Skein.Core.Protos.Workload.LoadBalancing.Types.Scope;

namespace Skein.Proxy.LoadBalancing;

/// <summary>Picks a service's endpoint: the caller's locality first, as the Service's <c>load_balancing</c> says, then the Service's algorithm.</summary>
/// <remarks>
/// Locality follows Istio's workload API: <c>routing_preference</c> lists scopes (region, zone, subzone, node, cluster,
/// network) from widest to narrowest, and an endpoint ranks by how many of them, in order, match the caller. FAILOVER keeps
/// the best-ranked endpoints that are left (after the caller's exclusions: endpoints that failed this connection or request,
/// or that outlier detection ejected), so traffic leaves the caller's zone only when nothing there is left. Skein's control
/// plane only ever sends FAILOVER; a STRICT from another control plane is read as FAILOVER too (it never strands a caller
/// with no endpoint). Then the algorithm (TrafficPolicy <c>loadBalancer.type</c>, carried as a Service extension)
/// chooses among them: P2C over peak EWMA (default), round robin, random, or P2C over outstanding requests.
/// </remarks>
public sealed class EndpointPicker(PeakEwmaBalancer loads)
{
    /// <summary>The Service extension that carries its algorithm (a <see cref="ServiceLoadBalancer"/>).</summary>
    public const string AlgorithmExtension = "skein.dev/load-balancer";

    // Per Service object of a snapshot: its algorithm decoded once, and its round-robin position.
    private readonly ConditionalWeakTable<Service, ServicePolicy> _policies = new();

    /// <summary>
    /// Picks one of <paramref name="endpoints"/> for a caller in <paramref name="source"/> (null: no locality known);
    /// endpoints in <paramref name="exclude"/> are avoided while others remain.
    /// </summary>
    public UpstreamEndpoint Pick(Service? service, IReadOnlyList<UpstreamEndpoint> endpoints, Locality? source, IReadOnlySet<string>? exclude = null)
    {
        IReadOnlyList<UpstreamEndpoint> candidates = endpoints;
        if (exclude is { Count: > 0 })
        {
            var remaining = endpoints.Where(e => !exclude.Contains(e.Key)).ToList();
            if (remaining.Count > 0)
            {
                candidates = remaining;
            }
        }

        var policy = service is null ? null : _policies.GetValue(service, static s => new ServicePolicy(s));
        if (policy is { Scopes.Length: > 0 } && source is not null && candidates.Count > 1)
        {
            candidates = Nearest(candidates, source, policy);
        }

        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        return (policy?.Algorithm ?? ServiceLoadBalancer.Types.Algorithm.P2CEwma) switch
        {
            ServiceLoadBalancer.Types.Algorithm.RoundRobin => candidates[(int)((uint)Interlocked.Increment(ref policy!.Next) % (uint)candidates.Count)],
            ServiceLoadBalancer.Types.Algorithm.Random => candidates[Random.Shared.Next(candidates.Count)],
            ServiceLoadBalancer.Types.Algorithm.LeastRequest => loads.PickLeastOutstanding(candidates),
            _ => loads.Pick(candidates),
        };
    }

    /// <summary>The candidates of the best locality rank.</summary>
    private static IReadOnlyList<UpstreamEndpoint> Nearest(IReadOnlyList<UpstreamEndpoint> candidates, Locality source, ServicePolicy policy)
    {
        var best = -1;
        var bestCount = 0;
        foreach (var candidate in candidates)
        {
            var rank = Rank(candidate.Workload, source, policy.Scopes);
            if (rank > best)
            {
                (best, bestCount) = (rank, 1);
            }
            else if (rank == best)
            {
                bestCount++;
            }
        }

        if (bestCount == candidates.Count)
        {
            return candidates;
        }

        var nearest = new List<UpstreamEndpoint>(bestCount);
        foreach (var candidate in candidates)
        {
            if (Rank(candidate.Workload, source, policy.Scopes) == best)
            {
                nearest.Add(candidate);
            }
        }

        return nearest;
    }

    /// <summary>How many of the scopes, widest first, the endpoint shares with the caller (stopping at the first that differs).</summary>
    internal static int Rank(Workload? workload, Locality source, Scope[] scopes)
    {
        if (workload is null)
        {
            return 0;
        }

        var rank = 0;
        foreach (var scope in scopes)
        {
            var same = scope switch
            {
                Scope.Region => workload.Locality?.Region == source.Region,
                Scope.Zone => workload.Locality?.Zone == source.Zone,
                Scope.Subzone => workload.Locality?.Subzone == source.Subzone,
                _ => true, // node, cluster, network: one of each in an embedded mesh
            };
            if (!same)
            {
                break;
            }

            rank++;
        }

        return rank;
    }

    /// <summary>What a Service says about picking its endpoints, decoded once per Service object.</summary>
    private sealed class ServicePolicy
    {
        public int Next;

        public ServicePolicy(Service service)
        {
            Scopes = service.LoadBalancing is { Mode: not LocalityMode.Passthrough } lb
                ? [.. lb.RoutingPreference.Where(s => s != Scope.UnspecifiedScope)]
                : [];
            foreach (var extension in service.Extensions)
            {
                if (extension.Name == AlgorithmExtension && extension.Config is { } config && config.TryUnpack<ServiceLoadBalancer>(out var algorithm))
                {
                    Algorithm = algorithm.Algorithm;
                }
            }
        }

        public Scope[] Scopes { get; }

        public ServiceLoadBalancer.Types.Algorithm Algorithm { get; }
    }
}
