using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.Telemetry;

namespace Skein.Unit.Tests.Lifecycle;

/// <summary>Drain bookkeeping: listeners stop accepting, open connections finish or are cut at the deadline, and both are counted.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Connections_that_finish_are_counted_as_finished_and_those_held_past_the_deadline_are_cut()
    {
        var registry = new ListenerRegistry(NullLogger<ListenerRegistry>.Instance);
        var release = new TaskCompletionSource();
        var cancelled = new TaskCompletionSource();
        var served = 0;
        var listener = registry.Start("upstream", new IPEndPoint(IPAddress.Loopback, 0), async (socket, ct) =>
        {
            // The first connection finishes when told; the second never does on its own.
            if (Interlocked.Increment(ref served) == 1)
            {
                await release.Task;
                return;
            }

            using var _ = ct.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
        }, NullLogger.Instance);

        using var finishing = await ConnectAsync(listener.EndPoint);
        await WaitForAsync(() => registry.Connections.Open == 1);
        using var held = await ConnectAsync(listener.EndPoint);
        await WaitForAsync(() => registry.Connections.Open == 2);

        var stats = new ProxyStats();
        var drain = ProxyDrain.DrainAsync(registry, null, null, TimeSpan.FromSeconds(3), handedOver: false, stats, NullLogger.Instance);

        // Accepting stopped: the port refuses; the open connections are still served.
        await WaitForAsync(() => registry.Stopped);
        await WaitForAsync(() => listener.IsClosed);
        await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(listener.EndPoint));
        Assert.False(drain.IsCompleted);

        release.SetResult();
        var result = await drain.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(new ProxyDrain.DrainResult(Finished: 1, Cut: 1), result);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, stats.Read("server.drains_total"));
        Assert.Equal(1, stats.Read("server.drain_completed_connections"));
        Assert.Equal(1, stats.Read("server.drain_cut_connections"));
        Assert.Throws<SocketException>(() => registry.Start("upstream", new IPEndPoint(IPAddress.Loopback, 0), (_, _) => Task.CompletedTask, NullLogger.Instance));
    }

    [Fact]
    public async Task A_drain_with_nothing_open_cuts_nothing()
    {
        var registry = new ListenerRegistry(NullLogger<ListenerRegistry>.Instance);
        registry.Start("socks", new IPEndPoint(IPAddress.Loopback, 0), (_, _) => Task.CompletedTask, NullLogger.Instance);
        var result = await ProxyDrain.DrainAsync(registry, null, null, TimeSpan.FromSeconds(30), handedOver: false, new ProxyStats(), NullLogger.Instance)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new ProxyDrain.DrainResult(0, 0), result);
    }

    [Fact]
    public async Task Graceful_servers_are_asked_to_stop_with_the_drain_and_their_stop_is_cut_at_the_deadline()
    {
        var registry = new ListenerRegistry(NullLogger<ListenerRegistry>.Instance);
        var listener = registry.Start("l7", new IPEndPoint(IPAddress.Loopback, 0), (_, ct) => Task.Delay(Timeout.Infinite, ct), NullLogger.Instance);
        using var held = await ConnectAsync(listener.EndPoint);
        await WaitForAsync(() => registry.Connections.Open == 1);
        var server = new RecordingServer(() => registry.Connections.Open == 0);

        var result = await ProxyDrain.DrainAsync(registry, null, null, TimeSpan.FromMilliseconds(300), handedOver: false, new ProxyStats(), NullLogger.Instance,
            servers: [server]).WaitAsync(TimeSpan.FromSeconds(30));

        // The server was asked to stop gracefully when the drain began, and told to abort when the deadline cut the held connection.
        Assert.Equal(new ProxyDrain.DrainResult(0, 1), result);
        Assert.True(server.Asked);
        Assert.True(server.Cut);
    }

    [Fact]
    public async Task A_graceful_server_whose_connections_finish_is_not_cut()
    {
        var registry = new ListenerRegistry(NullLogger<ListenerRegistry>.Instance);
        registry.Start("l7", new IPEndPoint(IPAddress.Loopback, 0), (_, _) => Task.CompletedTask, NullLogger.Instance);
        var server = new RecordingServer(() => registry.Connections.Open == 0);

        var result = await ProxyDrain.DrainAsync(registry, null, null, TimeSpan.FromSeconds(30), handedOver: false, new ProxyStats(), NullLogger.Instance,
            servers: [server]).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new ProxyDrain.DrainResult(0, 0), result);
        Assert.True(server.Asked);
        Assert.False(server.Cut);
    }

    /// <summary>A server whose graceful stop ends once <paramref name="idle"/> holds (its connections finished) or it is cut; records both.</summary>
    private sealed class RecordingServer(Func<bool> idle) : IGracefulServer
    {
        public bool Asked { get; private set; }

        public bool Cut { get; private set; }

        public async Task StopGracefullyAsync(CancellationToken cut)
        {
            Asked = true;
            try
            {
                while (!idle())
                {
                    await Task.Delay(10, cut);
                }
            }
            catch (OperationCanceledException)
            {
            }

            Cut = cut.IsCancellationRequested;
        }
    }

    [Fact]
    public async Task Inherited_sockets_are_taken_by_matching_listeners_which_accept_only_once_opened_and_the_rest_are_closed()
    {
        using var first = Listening();
        using var second = Listening();
        var firstEnd = (IPEndPoint)first.LocalEndPoint!;
        var secondEnd = (IPEndPoint)second.LocalEndPoint!;
        var registry = new ListenerRegistry(NullLogger<ListenerRegistry>.Instance);
        registry.Inherit([(new ListenerKey("hbone", firstEnd), first), (new ListenerKey("socks", secondEnd), second)]);

        var accepted = new TaskCompletionSource();
        var listener = registry.Start("hbone", firstEnd, (_, _) => { accepted.TrySetResult(); return Task.CompletedTask; }, NullLogger.Instance);
        Assert.Equal(firstEnd, listener.EndPoint);

        // A connection queues on the inherited socket but is not accepted before the process serves.
        using var client = await ConnectAsync(firstEnd);
        await Task.Delay(200);
        Assert.False(accepted.Task.IsCompleted);
        registry.OpenForAccepting();
        await accepted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var unclaimed = registry.CloseUnclaimed();
        Assert.Equal([new ListenerKey("socks", secondEnd)], unclaimed);
        Assert.Equal([new ListenerKey("hbone", firstEnd)], registry.Listening().Select(l => l.Key));
        await listener.DisposeAsync();
    }

    private static Socket Listening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(8);
        return socket;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }
}
