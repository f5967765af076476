using System.Collections.Immutable;
using System.Net;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Xds;
using Skein.Proxy.Capture;
using Skein.Proxy.State;
using Upstream = Skein.Core.Protos.Skein.Upstream;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>skein.v1alpha1.Upstream</c> resources: binds, retargets or closes localhost upstream listeners.</summary>
public sealed class UpstreamHandler(ProxyStateStore state, UpstreamListeners listeners) : IXdsHandler
{
    public string TypeUrl => TypeUrls.Upstream;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var changes = new Dictionary<string, Upstream>(StringComparer.Ordinal);
        foreach (var resource in updated)
        {
            if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Upstream>(out var upstream))
            {
                throw new XdsRejectedException($"Upstream {resource.Name}: body is not a {TypeUrls.Upstream}");
            }

            if (upstream.BindAddress.Length is not (4 or 16) || upstream.LocalPort is 0 or > 65535 || upstream.ServicePort is 0 or > 65535)
            {
                throw new XdsRejectedException($"Upstream {resource.Name}: bind address or port is invalid");
            }

            changes[resource.Name] = upstream;
        }

        var desired = state.Current.Upstreams.RemoveRange(removed).SetItems(changes);
        // Binding may fail (port taken); then nothing changes and the caller NACKs.
        listeners.Reconcile(desired);
        state.Replace(current => current.With(upstreams: desired));
        return Task.CompletedTask;
    }

    public static IPEndPoint EndPointOf(Upstream u) => new(new IPAddress(u.BindAddress.Span), (int)u.LocalPort);
}
