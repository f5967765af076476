using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Skein.Proxy.Capture;

/// <summary>Where a connection redirected by nftables (REDIRECT/DNAT) was going before the rewrite: Linux's <c>SO_ORIGINAL_DST</c>.</summary>
/// <remarks>
/// The kernel answers from the connection's conntrack entry with a <c>sockaddr_in</c> (level SOL_IP) or
/// <c>sockaddr_in6</c> (level SOL_IPV6, <c>IP6T_SO_ORIGINAL_DST</c>, the same number). <see cref="Socket.GetRawSocketOption"/>
/// reads it without P/Invoke, so the ahead-of-time node proxy has it too. A connection that was not rewritten
/// has no original destination: ENOENT without a conntrack entry, and its own address with one (both give null here).
/// </remarks>
public static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    /// <summary>The original destination of an accepted socket, or null when the connection was not redirected (made to the listener itself).</summary>
    public static IPEndPoint? Of(Socket socket)
    {
        // sockaddr_in6 is 28 bytes; sockaddr_in 16.
        Span<byte> buffer = stackalloc byte[28];
        var ipv6 = socket.AddressFamily == AddressFamily.InterNetworkV6 && socket.LocalEndPoint is IPEndPoint { Address.IsIPv4MappedToIPv6: false };
        try
        {
            var length = socket.GetRawSocketOption(ipv6 ? SolIpv6 : SolIp, SoOriginalDst, buffer);
            var original = Parse(buffer[..length]);
            // Conntrack answers for connections that were not rewritten too, with the address they were made to.
            return original is not null && socket.LocalEndPoint is IPEndPoint local && Same(original, local) ? null : original;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool Same(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.IsIPv4MappedToIPv6 ? a.Address.MapToIPv4() : a.Address).Equals(b.Address.IsIPv4MappedToIPv6 ? b.Address.MapToIPv4() : b.Address);

    /// <summary>Reads a Linux <c>sockaddr_in</c> or <c>sockaddr_in6</c> (family in host byte order, port and address in network order).</summary>
    public static IPEndPoint? Parse(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2)
        {
            return null;
        }

        var family = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) : BinaryPrimitives.ReadUInt16BigEndian(sockaddr);
        switch (family)
        {
            case AfInet when sockaddr.Length >= 8:
                return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
            case AfInet6 when sockaddr.Length >= 24:
                var scope = sockaddr.Length >= 28
                    ? (BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..]) : BinaryPrimitives.ReadUInt32BigEndian(sockaddr[24..]))
                    : 0;
                var address = new IPAddress(sockaddr.Slice(8, 16), scope);
                return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
            default:
                return null;
        }
    }
}
