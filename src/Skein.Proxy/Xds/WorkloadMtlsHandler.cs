using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Protos.Skein;
using Skein.Core.Xds;
using Skein.Proxy.State;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>skein.v1alpha1.WorkloadMtls</c>: each workload's PeerAuthentication mode.</summary>
public sealed class WorkloadMtlsHandler(ProxyStateStore state) : IXdsHandler
{
    public string TypeUrl => TypeUrls.WorkloadMtls;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var modes = new Dictionary<string, WorkloadMtls>(StringComparer.Ordinal);
        foreach (var resource in updated)
        {
            if (resource.Resource_ is null || !resource.Resource_.TryUnpack<WorkloadMtls>(out var mtls) || mtls.WorkloadUid != resource.Name)
            {
                throw new XdsRejectedException($"WorkloadMtls {resource.Name}: body is not a {TypeUrls.WorkloadMtls} for that workload");
            }

            if (!Enum.IsDefined(mtls.Mode) || mtls.Ports.Any(p => p.Key is 0 or > 65535 || !Enum.IsDefined(p.Value)))
            {
                throw new XdsRejectedException($"WorkloadMtls {resource.Name}: unknown mode or port out of range");
            }

            modes[resource.Name] = mtls;
        }

        state.Replace(current => current.With(mtls: current.Mtls.RemoveRange(removed).SetItems(modes)));
        return Task.CompletedTask;
    }
}
