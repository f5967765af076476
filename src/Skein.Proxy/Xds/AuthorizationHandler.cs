using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Protos.Security;
using Skein.Core.Xds;
using Skein.Proxy.State;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>istio.security.Authorization</c> resources to the mesh state.</summary>
public sealed class AuthorizationHandler(ProxyStateStore state) : IXdsHandler
{
    public string TypeUrl => TypeUrls.Authorization;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var policies = new Dictionary<string, Authorization>(StringComparer.Ordinal);
        foreach (var resource in updated)
        {
            if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Authorization>(out var policy))
            {
                throw new XdsRejectedException($"Authorization {resource.Name}: body is not a {TypeUrls.Authorization}");
            }

            foreach (var address in policy.Groups.SelectMany(g => g.Rules).SelectMany(r => r.Matches)
                         .SelectMany(m => m.SourceIps.Concat(m.NotSourceIps).Concat(m.DestinationIps).Concat(m.NotDestinationIps)))
            {
                if (address.Address_.Length is not (4 or 16) || address.Length > address.Address_.Length * 8)
                {
                    throw new XdsRejectedException($"Authorization {resource.Name}: address block of {address.Address_.Length} bytes /{address.Length} is invalid");
                }
            }

            policies[resource.Name] = policy;
        }

        state.Replace(current => current.With(policies: current.Policies.RemoveRange(removed).SetItems(policies)));
        return Task.CompletedTask;
    }
}
