using System.Collections.Concurrent;
using Skein.Proxy.L7.Configuration;

namespace Skein.Proxy.L7.Resilience;

/// <summary>The <see cref="ServiceResilience"/> of every Service a Gateway of this proxy routes to, kept across config updates while its policy is unchanged.</summary>
/// <remarks>
/// Limits and buckets are per proxy and Service (the resource's "per client proxy"): Gateways of this proxy
/// sending to the same Service share them. A changed policy starts from fresh state.
/// </remarks>
public sealed class ResilienceRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ServiceResilience> _services = new(StringComparer.Ordinal);

    /// <summary>The state for <paramref name="service"/> under <paramref name="gateway"/>'s policy, or null when the Gateway has none for it.</summary>
    public ServiceResilience? For(GatewayRuntime gateway, string service)
    {
        if (!gateway.Proto.Resilience.TryGetValue(service, out var policy))
        {
            return null;
        }

        if (_services.TryGetValue(service, out var current) && current.Policy.Equals(policy))
        {
            return current;
        }

        var fresh = new ServiceResilience(service, policy, time);
        return _services.AddOrUpdate(service, fresh, (_, existing) => existing.Policy.Equals(policy) ? existing : fresh);
    }
}
