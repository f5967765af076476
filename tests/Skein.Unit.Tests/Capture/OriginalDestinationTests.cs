using System.Net;
using System.Net.Sockets;
using Skein.Proxy.Capture;

namespace Skein.Unit.Tests.Capture;

/// <summary>SO_ORIGINAL_DST answers: Linux's sockaddr_in / sockaddr_in6 layouts, and a connection that was not redirected.</summary>
public sealed class OriginalDestinationTests
{
    [Fact]
    public void Reads_a_sockaddr_in()
    {
        // family AF_INET (2, host order, little-endian here), port 8080 (network order), 10.77.20.2, 8 bytes of zero padding.
        byte[] sockaddr = [2, 0, 0x1f, 0x90, 10, 77, 20, 2, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.20.2"), 8080), OriginalDestination.Parse(sockaddr));
    }

    [Fact]
    public void Reads_a_sockaddr_in6_with_its_scope()
    {
        var address = IPAddress.Parse("fd00::1:2");
        var sockaddr = new byte[28];
        sockaddr[0] = 10; // AF_INET6
        sockaddr[2] = 0x3a; // port 15008 = 0x3aa0
        sockaddr[3] = 0xa0;
        address.GetAddressBytes().CopyTo(sockaddr, 8);
        sockaddr[24] = 3; // scope id 3
        var parsed = OriginalDestination.Parse(sockaddr)!;
        Assert.Equal(15008, parsed.Port);
        Assert.Equal(address, new IPAddress(parsed.Address.GetAddressBytes()));
        Assert.Equal(3, parsed.Address.ScopeId);
    }

    [Fact]
    public void A_v4_mapped_sockaddr_in6_is_the_v4_address()
    {
        var sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[3] = 80;
        IPAddress.Parse("::ffff:10.1.2.3").GetAddressBytes().CopyTo(sockaddr, 8);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 80), OriginalDestination.Parse(sockaddr));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0, 80 })] // truncated sockaddr_in
    [InlineData(new byte[] { 10, 0, 0, 80, 0, 0, 0, 0, 1, 2 })] // truncated sockaddr_in6
    [InlineData(new byte[] { 1, 0, 0, 80, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 })] // AF_UNIX
    public void Malformed_or_foreign_answers_are_no_destination(byte[] sockaddr) => Assert.Null(OriginalDestination.Parse(sockaddr));

    [Fact]
    public async Task A_connection_that_was_not_redirected_has_no_original_destination()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        // Without conntrack the kernel answers ENOENT; with it, the address the connection was made to: neither is a redirect.
        Assert.Null(OriginalDestination.Of(accepted));
    }
}
