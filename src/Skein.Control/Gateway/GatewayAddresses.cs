using System.Net;
using System.Net.NetworkInformation;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>A Gateway's requested addresses, judged: the usable IPs, the unusable ones, the unsupported types.</summary>
public sealed record RequestedAddresses(IReadOnlyList<IPAddress> Usable, IReadOnlyList<string> Unusable, IReadOnlyList<string> Unsupported, bool WantsAllocation)
{
    /// <summary>
    /// Only IPAddress entries are supported. An IP is usable when this host can bind it: loopback (each emulated
    /// node lives on 127.0.0.0/8) or an address of a local interface. An entry without a value asks for one.
    /// </summary>
    public static RequestedAddresses Judge(GatewayResource gateway, Func<IPAddress, bool> isLocal)
    {
        var usable = new List<IPAddress>();
        var unusable = new List<string>();
        var unsupported = new List<string>();
        var wantsAllocation = gateway.Spec.Addresses.Count == 0;
        foreach (var address in gateway.Spec.Addresses)
        {
            if (address.Type is not (null or "" or "IPAddress"))
            {
                unsupported.Add($"{address.Type} {address.Value}");
            }
            else if (string.IsNullOrEmpty(address.Value))
            {
                wantsAllocation = true;
            }
            else if (!IPAddress.TryParse(address.Value, out var ip))
            {
                unsupported.Add($"IPAddress {address.Value}");
            }
            else if (isLocal(ip))
            {
                usable.Add(ip);
            }
            else
            {
                unusable.Add(address.Value);
            }
        }

        return new RequestedAddresses(usable, unusable, unsupported, wantsAllocation || (usable.Count == 0 && unusable.Count == 0 && unsupported.Count == 0));
    }

    /// <summary>Whether this host can bind the address.</summary>
    public static bool IsLocal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Any(u => u.Address.Equals(address));
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }
}
