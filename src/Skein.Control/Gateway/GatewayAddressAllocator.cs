using System.Net;
using System.Net.Sockets;

namespace Skein.Control.Gateway;

/// <summary>Gives each Gateway without usable requested addresses a stable address from the gateway pool.</summary>
/// <remarks>
/// Embedded mode has no load balancer to hand out addresses, so the control plane plays that part. The
/// address is derived from the Gateway's namespace/name (linear probing on collision, in name order), so it
/// survives restarts and does not move when other Gateways come and go. Host addresses ending in .0 or .255
/// are skipped.
/// </remarks>
public sealed class GatewayAddressAllocator
{
    private readonly uint _network;
    private readonly uint _size;

    public GatewayAddressAllocator(string cidr)
    {
        if (!TryParsePool(cidr, out _network, out _size, out var error))
        {
            throw new ArgumentException(error, nameof(cidr));
        }
    }

    /// <summary>The default pool: a /16 of loopback, bindable on every machine without configuration.</summary>
    public const string DefaultPool = "127.241.0.0/16";

    /// <summary>Validates an IPv4 CIDR usable as a pool (prefix length 8..30).</summary>
    public static bool TryParsePool(string cidr, out uint network, out uint size, out string error)
    {
        network = 0;
        size = 0;
        error = "";
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var prefix) || prefix is < 8 or > 30)
        {
            error = $"gateway address pool \"{cidr}\" is not an IPv4 CIDR with a prefix length between 8 and 30 (e.g. 127.241.0.0/16)";
            return false;
        }

        size = 1u << (32 - prefix);
        network = ToUInt(address) & ~(size - 1);
        return true;
    }

    /// <summary>Allocates an address for each key (namespace/name), avoiding <paramref name="taken"/>.</summary>
    public IReadOnlyDictionary<string, IPAddress> Allocate(IEnumerable<string> keys, IEnumerable<IPAddress> taken)
    {
        var used = new HashSet<uint>(taken.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Select(ToUInt));
        var result = new Dictionary<string, IPAddress>(StringComparer.Ordinal);
        foreach (var key in keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var slot = StableHash(key) % _size;
            for (var tries = 0u; tries < _size; tries++, slot = (slot + 1) % _size)
            {
                var candidate = _network + slot;
                if ((candidate & 0xff) is 0 or 255 || !used.Add(candidate))
                {
                    continue;
                }

                result[key] = FromUInt(candidate);
                break;
            }
        }

        return result;
    }

    private static uint StableHash(string s)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and addresses must survive restarts.
        var h = 2166136261u;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static IPAddress FromUInt(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
