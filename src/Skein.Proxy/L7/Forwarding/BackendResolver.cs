using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.L7.Resilience;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>Resolves a backendRef (mesh Service and port) to one endpoint, chosen by locality and the Service's algorithm (P2C over peak EWMA by default).</summary>
public sealed class BackendResolver(ProxyStateStore state, DestinationResolver destinations, EndpointPicker picker, ProxyOptions options)
{
    /// <summary>The chosen endpoint and its service, or why there is none.</summary>
    /// <param name="backend">The backendRef.</param>
    /// <param name="exclude">Endpoints already tried by this request (avoided while others remain).</param>
    /// <param name="outliers">The Service's outlier detection: ejected endpoints are not picked.</param>
    public BackendResolution Resolve(BackendRef backend, IReadOnlySet<string>? exclude = null, OutlierDetector? outliers = null)
    {
        var mesh = state.Current;
        if (!mesh.Services.TryGetValue(backend.Service, out var service))
        {
            return new BackendResolution(null, null, $"service {backend.Service} is not known to this proxy");
        }

        var resolved = destinations.Resolve(mesh, service, (int)backend.Port);
        if (resolved.Endpoints.Count == 0)
        {
            return new BackendResolution(service, null, resolved.Detail);
        }

        var candidates = outliers is null ? resolved.Endpoints : outliers.Healthy(resolved.Endpoints, e => e.Key);
        return new BackendResolution(service, picker.Pick(service, candidates, options.Locality, exclude), "", resolved.Endpoints.Count);
    }
}

/// <summary>A resolved backend: the Service, the endpoint chosen (null when none is healthy) and the reason when none.</summary>
public sealed record BackendResolution(Service? Service, UpstreamEndpoint? Endpoint, string Reason, int EndpointCount = 0);
