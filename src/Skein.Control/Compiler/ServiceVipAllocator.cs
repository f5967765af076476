using System.Net;
using Skein.Core.Resources;

namespace Skein.Control.Compiler;

/// <summary>Gives every Service without a clusterIP a stable virtual IP in 240.240.0.0/16.</summary>
/// <remarks>
/// 240.0.0.0/4 is reserved and never routed, so a VIP cannot collide with a real host. The address is
/// derived from the service's name (with linear probing on collision), so it survives restarts and
/// does not shift when unrelated services come and go.
/// </remarks>
public static class ServiceVipAllocator
{
    private const int Size = 1 << 16;

    public static IReadOnlyDictionary<ResourceKey, IPAddress> Allocate(IEnumerable<ServiceResource> services)
    {
        var result = new Dictionary<ResourceKey, IPAddress>();
        var taken = new HashSet<int>();
        var pending = new List<ServiceResource>();
        foreach (var service in services)
        {
            if (!string.IsNullOrEmpty(service.Spec.ClusterIP) && IPAddress.TryParse(service.Spec.ClusterIP, out var fixedIp))
            {
                result[service.Key] = fixedIp;
            }
            else
            {
                pending.Add(service);
            }
        }

        foreach (var service in pending.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            var slot = StableHash($"{service.Metadata.Namespace}/{service.Metadata.Name}") % Size;
            while (slot is 0 or Size - 1 || !taken.Add(slot))
            {
                slot = (slot + 1) % Size;
            }

            result[service.Key] = new IPAddress(new byte[] { 240, 240, (byte)(slot >> 8), (byte)slot });
        }

        return result;
    }

    private static int StableHash(string s)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and the VIP must not be.
        var h = 2166136261u;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return (int)(h & 0x7fffffff);
    }
}
