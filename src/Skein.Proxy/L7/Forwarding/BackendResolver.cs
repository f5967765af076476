using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Resolves a backendRef (mesh Service and port) to one endpoint, chosen by P2C over peak EWMA.</summary>
public sealed class BackendResolver(ProxyStateStore state, PeakEwmaBalancer balancer)
{
    /// <summary>The chosen endpoint and its service, or why there is none.</summary>
    public BackendResolution Resolve(BackendRef backend, IReadOnlySet<string>? exclude = null)
    {
        var mesh = state.Current;
        if (!mesh.Services.TryGetValue(backend.Service, out var service))
        {
            return new BackendResolution(null, null, $"service {backend.Service} is not known to this proxy");
        }

        var resolved = DestinationResolver.ForService(mesh, service, (int)backend.Port);
        if (resolved.Endpoints.Count == 0)
        {
            return new BackendResolution(service, null, resolved.Detail);
        }

        return new BackendResolution(service, balancer.Pick(resolved.Endpoints, exclude), "");
    }
}

/// <summary>A resolved backend: the Service, the endpoint chosen (null when none is healthy) and the reason when none.</summary>
public sealed record BackendResolution(Service? Service, UpstreamEndpoint? Endpoint, string Reason);
