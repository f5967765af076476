using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Skein.Core.Naming;
using Skein.Core.Protos.Workload;
using Skein.Proxy.State;

namespace Skein.Proxy.Outbound;

/// <summary>Resolves what a client asked for (mesh name, service VIP, workload IP, anything else) into endpoints.</summary>
public sealed class DestinationResolver(ProxyStateStore state)
{
    // A service port's endpoints depend only on the mesh snapshot: resolved once per snapshot, not per connection or
    // request (building the list formats an address key per endpoint), which also keeps the endpoint objects (and what
    // the balancer and outlier detection keep against them) stable between connections. Keyed by the Service object
    // of that snapshot, compared by reference. Mesh names asked for by host (an upstream's configured name) are kept
    // the same way: parsing the name and building the lookup keys was most of what remained per connection.
    private readonly ConditionalWeakTable<MeshState, SnapshotResolutions> _resolved = new();

    /// <summary>Names kept per snapshot at most: a name can come from a client, so the cache must not grow with them.</summary>
    private const int MaxNamesPerSnapshot = 1024;

    /// <summary>The endpoints of <paramref name="service"/>'s <paramref name="port"/> in <paramref name="mesh"/>, resolved once per snapshot.</summary>
    public ResolvedDestination Resolve(MeshState mesh, Service service, int port)
    {
        // Only ports the service has are kept: the port of a captured connection is the client's choice.
        if (!HasPort(service, port))
        {
            return ForService(mesh, service, port);
        }

        return _resolved.GetValue(mesh, static _ => new()).ByServicePort.GetOrAdd(new ServicePort(service, port), static (key, mesh) => ForService(mesh, key.Service, key.Port), mesh);
    }

    private static bool HasPort(Service service, int port)
    {
        foreach (var p in service.Ports)
        {
            if (p.ServicePort == port)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The mesh service a host name means for a client in <paramref name="sourceNamespace"/>, or null when it names none.</summary>
    private Service? ServiceNamed(MeshState mesh, string host, string? sourceNamespace)
    {
        var names = _resolved.GetValue(mesh, static _ => new()).ByName;
        if (names.TryGetValue((host, sourceNamespace), out var known))
        {
            return known;
        }

        var service = MeshName.TryParse(host, out var name) ? FindService(mesh, name, sourceNamespace) : null;
        if (service is not null && names.Count < MaxNamesPerSnapshot)
        {
            names.TryAdd((host, sourceNamespace), service);
        }

        return service;
    }

    public async ValueTask<ResolvedDestination> ResolveAsync(Destination destination, string? sourceNamespace, CancellationToken ct)
    {
        var mesh = state.Current;
        if (destination.Ip is { } ip)
        {
            if (mesh.ServicesByVip.TryGetValue(ip, out var byVip))
            {
                return Resolve(mesh, byVip, destination.Port);
            }

            if (mesh.WorkloadsByIp.TryGetValue(ip, out var workload))
            {
                return new ResolvedDestination(null, destination.Port, [new UpstreamEndpoint(new IPEndPoint(ip, destination.Port), workload)], OutboundError.None, "");
            }

            return Passthrough(new IPEndPoint(ip, destination.Port));
        }

        var host = destination.Host!;
        if (ServiceNamed(mesh, host, sourceNamespace) is { } service)
        {
            return Resolve(mesh, service, destination.Port);
        }

        // Not a mesh service: unmeshed destinations pass through, resolved by the system resolver.
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, ct);
            var first = addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault();
            return first is null
                ? ResolvedDestination.Failed(OutboundError.UnknownHost, $"{host} is neither a mesh service nor a resolvable host")
                : Passthrough(new IPEndPoint(first, destination.Port));
        }
        catch (SocketException)
        {
            return ResolvedDestination.Failed(OutboundError.UnknownHost, $"{host} is neither a mesh service nor a resolvable host");
        }
    }

    private static Service? FindService(MeshState mesh, MeshName name, string? sourceNamespace)
    {
        if (name.Namespace is { } ns)
        {
            return mesh.Services.GetValueOrDefault($"{ns}/{MeshName.Hostname(name.Service, ns)}");
        }

        if (sourceNamespace is not null && mesh.Services.GetValueOrDefault($"{sourceNamespace}/{MeshName.Hostname(name.Service, sourceNamespace)}") is { } local)
        {
            return local;
        }

        // A bare name from an unknown source: accept it when exactly one namespace has such a service.
        var matches = mesh.Services.Values.Where(s => s.Name == name.Service).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : mesh.Services.GetValueOrDefault($"default/{MeshName.Hostname(name.Service, "default")}");
    }

    /// <summary>Builds the resolution of a service port from scratch; callers go through <see cref="Resolve(MeshState, Service, int)"/>.</summary>
    private static ResolvedDestination ForService(MeshState mesh, Service service, int port)
    {
        var key = MeshState.ServiceKey(service);
        var servicePort = service.Ports.FirstOrDefault(p => p.ServicePort == port);
        if (servicePort is null)
        {
            return ResolvedDestination.Failed(OutboundError.PortNotExposed,
                $"service {service.Name}.{service.Namespace} has no port {port} (ports: {string.Join(", ", service.Ports.Select(p => p.ServicePort))})") with
            { Service = service, Port = port };
        }

        var endpoints = new List<UpstreamEndpoint>();
        foreach (var workload in mesh.EndpointsByService.GetValueOrDefault(key) ?? [])
        {
            if (workload.Status != WorkloadStatus.Healthy || workload.Addresses.Count == 0)
            {
                continue;
            }

            var target = workload.Services.TryGetValue(key, out var list)
                ? list.Ports.FirstOrDefault(p => p.ServicePort == port)?.TargetPort ?? 0
                : 0;
            if (target == 0)
            {
                target = servicePort.TargetPort != 0 ? servicePort.TargetPort : (uint)port;
            }

            endpoints.Add(new UpstreamEndpoint(new IPEndPoint(new IPAddress(workload.Addresses[0].Span), (int)target), workload));
        }

        return endpoints.Count == 0
            ? new ResolvedDestination(service, port, [], OutboundError.NoEndpoints, $"service {service.Name}.{service.Namespace} has no healthy endpoints")
            : new ResolvedDestination(service, port, endpoints, OutboundError.None, "");
    }

    private static ResolvedDestination Passthrough(IPEndPoint endPoint) =>
        new(null, endPoint.Port, [new UpstreamEndpoint(endPoint, null)], OutboundError.None, "");

    /// <summary>What one state snapshot has resolved so far.</summary>
    private sealed class SnapshotResolutions
    {
        public ConcurrentDictionary<ServicePort, ResolvedDestination> ByServicePort { get; } = new();

        public ConcurrentDictionary<(string Host, string? SourceNamespace), Service> ByName { get; } = new();
    }

    private readonly record struct ServicePort(Service Service, int Port)
    {
        // Protobuf messages compare (and hash) by value, field by field: far too slow for a per-connection lookup.
        public bool Equals(ServicePort other) => ReferenceEquals(Service, other.Service) && Port == other.Port;

        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Service), Port);
    }
}
