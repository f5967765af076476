using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Protos.Skein;
using Skein.Core.Xds;
using Skein.Proxy.Identity;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.Xds;

namespace Skein.Proxy.L7.Configuration;

/// <summary>Applies <c>skein.v1alpha1.Gateway</c> resources all or nothing: compile, bind every listener, then switch.</summary>
/// <remarks>
/// A bad resource or a port that cannot be bound rejects the whole update (NACK): listeners started for it
/// are closed again and the last good configuration keeps serving.
/// </remarks>
public sealed class GatewayHandler(
    ProxyOptions options,
    ListenerManager listeners,
    UpstreamClients upstreams,
    WorkloadCertificates certificates,
    ILogger<GatewayHandler> logger) : IXdsHandler
{
    private readonly Dictionary<string, Gateway> _gateways = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string TypeUrl => TypeUrls.Gateway;

    public async Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var next = new Dictionary<string, Gateway>(_gateways, StringComparer.Ordinal);
            foreach (var name in removed)
            {
                next.Remove(name);
            }

            foreach (var resource in updated)
            {
                if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Gateway>(out var gateway))
                {
                    throw new XdsRejectedException($"Gateway {resource.Name}: body is not a {TypeUrls.Gateway}");
                }

                if (resource.Name != $"{gateway.Namespace}/{gateway.Name}")
                {
                    throw new XdsRejectedException($"Gateway {resource.Name}: name must be namespace/name (body says {gateway.Namespace}/{gateway.Name})");
                }

                next[resource.Name] = gateway;
            }

            var config = L7ConfigCompiler.Compile(next.Values, options.Role);
            await listeners.ApplyAsync(config, ct);
            upstreams.Retain(config);
            _gateways.Clear();
            foreach (var (name, gateway) in next)
            {
                _gateways[name] = gateway;
            }

            certificates.SetExtraIdentities(config.Gateways.Where(g => g.Identity is not null).Select(g => g.Identity!.Value));
            logger.LogInformation("serving {Gateways} gateway(s) on {Bindings} listener port(s)", config.Gateways.Count, config.Bindings.Count);
        }
        finally
        {
            _gate.Release();
        }
    }
}
