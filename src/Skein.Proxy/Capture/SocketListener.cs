using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Lifecycle;

namespace Skein.Proxy.Capture;

/// <summary>A bound TCP listener that hands every accepted socket to a handler on its own task.</summary>
/// <remarks>
/// Accepting and serving stop separately: <see cref="StopAcceptingAsync"/> (a drain or an upgrade) leaves the
/// connections running until they end or are cut with <see cref="CutConnections"/>; <see cref="DisposeAsync"/>
/// (a listener removed by reconciliation) does both at once.
/// </remarks>
public sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _connections = new();
    private readonly ILogger _logger;
    private readonly ConnectionTracker? _tracker;
    private Task _acceptLoop = Task.CompletedTask;
    private int _stopping;
    private long _accepted;
    private volatile bool _closed;

    private SocketListener(Socket socket, ILogger logger, ConnectionTracker? tracker)
    {
        _socket = socket;
        _logger = logger;
        _tracker = tracker;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The listening socket, for handing it to a successor process.</summary>
    internal Socket Socket => _socket;

    /// <summary>Connections accepted so far (each handed to the handler on its own task).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Whether the listener has stopped accepting and closed its socket.</summary>
    public bool IsClosed => _closed;

    /// <summary>Binds now (so the caller learns of a taken port synchronously) and starts accepting.</summary>
    /// <param name="exclusive">Fail when another socket listens on the port. Otherwise the port is shared (on Linux
    /// .NET's ReuseAddress is SO_REUSEPORT too: a second listener binds and the kernel splits connections between them).</param>
    public static SocketListener Start(IPEndPoint endPoint, Func<Socket, CancellationToken, Task> handler, ILogger logger, bool exclusive = false) =>
        Start(Bind(endPoint, exclusive), handler, logger, null, null);

    /// <summary>A listening socket on <paramref name="endPoint"/>.</summary>
    public static Socket Bind(IPEndPoint endPoint, bool exclusive)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!exclusive)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(endPoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts on an already listening socket (bound here or inherited from a predecessor), once <paramref name="acceptFrom"/> completes.</summary>
    internal static SocketListener Start(Socket listening, Func<Socket, CancellationToken, Task> handler, ILogger logger, ConnectionTracker? tracker, Task? acceptFrom)
    {
        var listener = new SocketListener(listening, logger, tracker);
        listener._acceptLoop = listener.AcceptLoopAsync(handler, acceptFrom ?? Task.CompletedTask);
        return listener;
    }

    private async Task AcceptLoopAsync(Func<Socket, CancellationToken, Task> handler, Task acceptFrom)
    {
        var ct = _stop.Token;
        try
        {
            await acceptFrom.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (ct.IsCancellationRequested)
                {
                    return;
                }

                _logger.LogWarning(e, "accept failed on {EndPoint}", EndPoint);
                continue;
            }

            client.NoDelay = true;
            Interlocked.Increment(ref _accepted);
            _tracker?.Enter();
            var connectionCt = _connections.Token;
            _ = Task.Run(async () =>
            {
                try
                {
                    await handler(client, connectionCt);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
                {
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "connection handler failed");
                }
                finally
                {
                    client.Dispose();
                    _tracker?.Exit();
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Stops accepting and closes this process's copy of the socket; accepted connections carry on.</summary>
    /// <param name="shared">A successor holds the same listening socket: close only this descriptor, never shut the socket down.</param>
    public async Task StopAcceptingAsync(bool shared = false)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        // Cancelling the pending accept first means no operation is in flight when the socket is closed, so .NET
        // closes the descriptor without first shutting the socket down to unblock it.
        await _stop.CancelAsync();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        if (shared)
        {
            SharedSockets.CloseDescriptor(_socket);
        }
        else
        {
            _socket.Dispose();
        }

        _closed = true;
    }

    /// <summary>Cancels every accepted connection's handler.</summary>
    public void CutConnections()
    {
        try
        {
            _connections.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        CutConnections();
    }
}
