using Skein.Core.Protos.Envoy.Discovery;

namespace Skein.Proxy.Xds;

/// <summary>Applies one xDS type's delta to the proxy, all or nothing.</summary>
public interface IXdsHandler
{
    string TypeUrl { get; }

    /// <summary>Applies the update; throws <see cref="XdsRejectedException"/> and changes nothing when any resource is unusable.</summary>
    Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct);
}
