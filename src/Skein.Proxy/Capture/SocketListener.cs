using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Skein.Proxy.Capture;

/// <summary>A bound TCP listener that hands every accepted socket to a handler on its own task.</summary>
public sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private Task _acceptLoop = Task.CompletedTask;

    private SocketListener(Socket socket, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds now (so the caller learns of a taken port synchronously) and starts accepting.</summary>
    /// <param name="exclusive">Fail when another socket listens on the port. Otherwise the port is shared (on Linux
    /// .NET's ReuseAddress is SO_REUSEPORT too: a second listener binds and the kernel splits connections between them).</param>
    public static SocketListener Start(IPEndPoint endPoint, Func<Socket, CancellationToken, Task> handler, ILogger logger, bool exclusive = false)
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
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var listener = new SocketListener(socket, logger);
        listener._acceptLoop = listener.AcceptLoopAsync(handler);
        return listener;
    }

    private async Task AcceptLoopAsync(Func<Socket, CancellationToken, Task> handler)
    {
        var ct = _stop.Token;
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

                _logger.LogWarning(e, "accept failed on {EndPoint}", _socket.LocalEndPoint);
                continue;
            }

            client.NoDelay = true;
            _ = Task.Run(async () =>
            {
                try
                {
                    await handler(client, ct);
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
                }
            }, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
