using System.Collections.Immutable;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using Skein.Proxy.State;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>istio.workload.Address</c> resources (workloads and services) to the mesh state.</summary>
public sealed class AddressHandler(ProxyStateStore state) : IXdsHandler
{
    public string TypeUrl => TypeUrls.Address;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var workloads = new Dictionary<string, Workload>(StringComparer.Ordinal);
        var services = new Dictionary<string, Service>(StringComparer.Ordinal);
        foreach (var resource in updated)
        {
            var address = Unpack(resource);
            switch (address.TypeCase)
            {
                case Address.TypeOneofCase.Workload:
                    Validate(resource.Name, address.Workload);
                    workloads[resource.Name] = address.Workload;
                    break;
                case Address.TypeOneofCase.Service:
                    Validate(resource.Name, address.Service);
                    services[resource.Name] = address.Service;
                    break;
                default:
                    throw new XdsRejectedException($"Address {resource.Name}: neither a workload nor a service");
            }
        }

        state.Replace(current =>
        {
            var w = current.Workloads.RemoveRange(removed).SetItems(workloads);
            var s = current.Services.RemoveRange(removed).SetItems(services);
            return current.With(workloads: w, services: s);
        });
        return Task.CompletedTask;
    }

    private static Address Unpack(Resource resource)
    {
        if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Address>(out var address))
        {
            throw new XdsRejectedException($"Address {resource.Name}: body is not a {TypeUrls.Address}");
        }

        return address;
    }

    private static void Validate(string name, Workload workload)
    {
        if (string.IsNullOrEmpty(workload.Uid) || workload.Uid != name)
        {
            throw new XdsRejectedException($"workload {name}: uid \"{workload.Uid}\" does not match the resource name");
        }

        foreach (var address in workload.Addresses)
        {
            if (address.Length is not (4 or 16))
            {
                throw new XdsRejectedException($"workload {name}: address of {address.Length} bytes is neither IPv4 nor IPv6");
            }
        }
    }

    private static void Validate(string name, Service service)
    {
        if (string.IsNullOrEmpty(service.Hostname) || name != $"{service.Namespace}/{service.Hostname}")
        {
            throw new XdsRejectedException($"service {name}: name must be namespace/hostname");
        }

        foreach (var address in service.Addresses)
        {
            if (address.Address.Length is not (4 or 16))
            {
                throw new XdsRejectedException($"service {name}: address of {address.Address.Length} bytes is neither IPv4 nor IPv6");
            }
        }

        foreach (var port in service.Ports)
        {
            if (port.ServicePort is 0 or > 65535 || port.TargetPort > 65535)
            {
                throw new XdsRejectedException($"service {name}: port {port.ServicePort}->{port.TargetPort} is out of range");
            }
        }
    }
}

internal static class ImmutableDictionaryExtensions
{
    public static ImmutableDictionary<string, T> SetItems<T>(this ImmutableDictionary<string, T> d, Dictionary<string, T> items) =>
        d.SetItems((IEnumerable<KeyValuePair<string, T>>)items);
}
