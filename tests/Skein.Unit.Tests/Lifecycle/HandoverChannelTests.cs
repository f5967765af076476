using System.Net;
using System.Net.Sockets;
using Skein.Proxy.Lifecycle;

namespace Skein.Unit.Tests.Lifecycle;

/// <summary>The hand-over wire: messages keep their boundaries, and a listening socket sent with SCM_RIGHTS arrives usable in the receiver.</summary>
public sealed class HandoverChannelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skein-handover-").FullName;

    [Fact]
    public async Task A_listening_socket_sent_with_its_description_accepts_connections_on_the_receiving_side()
    {
        var (sender, receiver) = Pair();
        using var _ = sender;
        using var __ = receiver;
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen(8);
        var endPoint = (IPEndPoint)listening.LocalEndPoint!;
        var key = new ListenerKey("upstream", endPoint);

        await sender.SendAsync(HandoverProtocol.Listener(key), listening, TimeSpan.FromSeconds(5));
        await sender.SendAsync(HandoverProtocol.End(1), null, TimeSpan.FromSeconds(5));

        var first = await receiver.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(first);
        Assert.Equal(key, HandoverProtocol.ParseListener(first.Value.Message));
        using var received = first.Value.Socket;
        Assert.NotNull(received);
        Assert.Equal(endPoint, received.LocalEndPoint);

        // Both descriptors are the same socket: once the sender's copy is closed, a connection is still accepted here.
        SharedSockets.CloseDescriptor(listening);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(endPoint);
        using var accepted = await received.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(client.LocalEndPoint, accepted.RemoteEndPoint);

        var end = await receiver.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("END 1", end!.Value.Message);
        Assert.Null(end.Value.Socket);
    }

    [Fact]
    public async Task The_end_of_the_connection_reads_as_null_and_silence_as_a_timeout()
    {
        var (sender, receiver) = Pair();
        using var _ = receiver;
        await Assert.ThrowsAsync<TimeoutException>(() => receiver.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
        sender.Dispose();
        Assert.Null(await receiver.ReceiveAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("SKEIN-HANDOVER 1 HELLO pid=42", 1, "HELLO", 42, "node")]
    [InlineData("SKEIN-HANDOVER 7 OK pid=9", 7, "OK", 9, "node")]
    [InlineData("SKEIN-HANDOVER 1 HELLO pid=42 role=gateway", 1, "HELLO", 42, "gateway")]
    [InlineData("SKEIN-HANDOVER 1 OK pid=3 role=waypoint", 1, "OK", 3, "waypoint")]
    public void Greetings_carry_version_verb_pid_and_role_which_defaults_to_node(string message, int version, string verb, int pid, string role) =>
        Assert.Equal((version, verb, pid, role), HandoverProtocol.ParseGreeting(message));

    [Fact]
    public void Greetings_written_read_back_with_their_role() =>
        Assert.Equal((HandoverProtocol.Version, "HELLO", 7, "waypoint"), HandoverProtocol.ParseGreeting(HandoverProtocol.Hello(7, "waypoint")));

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request")]
    [InlineData("SKEIN-HANDOVER x OK")]
    [InlineData("")]
    public void Anything_else_is_not_a_greeting(string message) => Assert.Null(HandoverProtocol.ParseGreeting(message));

    [Theory]
    [InlineData("LISTENER hbone 10.0.0.1 99999")]
    [InlineData("LISTENER hbone nowhere 15008")]
    [InlineData("LISTENER  10.0.0.1 15008")]
    [InlineData("LISTENER hbone 10.0.0.1")]
    public void Malformed_listener_lines_are_rejected(string message) => Assert.Null(HandoverProtocol.ParseListener(message));

    [Fact]
    public void Listener_lines_round_trip_ipv6_too()
    {
        var key = new ListenerKey("socks", new IPEndPoint(IPAddress.Parse("fd00::1"), 15080));
        Assert.Equal(key, HandoverProtocol.ParseListener(HandoverProtocol.Listener(key)));
    }

    private (HandoverChannel Sender, HandoverChannel Receiver) Pair()
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.Listen(1);
        var client = HandoverChannel.Connect(path);
        return (new HandoverChannel(server.Accept()), client);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
