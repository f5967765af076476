using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Capture;
using Skein.Proxy.Lifecycle;

namespace Skein.Proxy.Admin;

/// <summary>Serves the admin API on loopback (<c>--admin-port</c>), and <c>/metrics</c> (<c>--metrics-port</c>) and <c>/healthz/ready</c> (<c>--ready-port</c>) on the node address, over HTTP/1.1.</summary>
/// <remarks>
/// Hand-written rather than Kestrel: in the ahead-of-time node proxy, Kestrel with ASP.NET Core hosting and routing
/// (and System.IO.Pipelines) took 4.2 MB of the 16.2 MB binary (1.9 MB of compiled code, 1.5 MB of read-only data)
/// plus 1.5 MB of type data rehydrated into anonymous memory at start-up; without them the idle proxy's RSS fell
/// from 36.8 to 31.1 MiB. All that served four GET endpoints on loopback and one on the metrics port. What they need
/// of HTTP is small: GET and HEAD, Content-Length responses, keep-alive, no request bodies. Requests are parsed by
/// <see cref="AdminRequestParser"/>; the rest of HTTP is answered with a status and the connection closed.
/// </remarks>
internal sealed class AdminServer : IHostedService, IAsyncDisposable
{
    /// <summary>Request line plus headers; a scraper or curl sends a few hundred bytes.</summary>
    internal const int MaxHeadBytes = 8192;

    /// <summary>Beyond this many open connections per port, new ones are closed at once: admin clients are few.</summary>
    internal const int MaxConnections = 64;

    private readonly (string Name, IPEndPoint EndPoint, Dictionary<string, Func<string, AdminResponse>> Routes)[] _ports;
    private readonly ILogger _logger;
    private readonly List<SocketListener> _listeners = [];
    private readonly ListenerRegistry? _registry;

    public AdminServer(ProxyOptions options, AdminEndpoints endpoints, ListenerRegistry registry, ILogger<AdminServer> logger)
        : this(
            [
                // Admin stays on the node's loopback address: it exposes config and must never face the network.
                ("admin", new IPEndPoint(IPAddress.IsLoopback(options.Address) ? options.Address : IPAddress.Loopback, options.AdminPort), endpoints.Admin()),
                ("metrics", new IPEndPoint(options.Address, options.MetricsPort), endpoints.Metrics()),
                ("ready", new IPEndPoint(options.Address, options.ReadyPort), endpoints.Readiness()),
            ],
            logger)
    {
        _registry = registry;
    }

    /// <summary>A server of the given ports, each with its hand-over name and its own paths (a path of one port is a 404 on another).</summary>
    internal AdminServer((string Name, IPEndPoint EndPoint, Dictionary<string, Func<string, AdminResponse>> Routes)[] ports, ILogger logger)
    {
        _ports = ports;
        _logger = logger;
    }

    /// <summary>How long a kept-alive connection may wait for its next request.</summary>
    internal TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a request may take from its first byte to the end of its headers, and a response to be sent.</summary>
    internal TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a closing connection is drained for.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The bound end points, in the order given (port 0 resolved).</summary>
    internal IReadOnlyList<IPEndPoint> EndPoints => _listeners.Select(l => l.EndPoint).ToList();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, endPoint, routes) in _ports)
        {
            var connections = new ConnectionCount();
            try
            {
                // Exclusive, as Kestrel's ports were: a second proxy on the same admin port fails instead of taking half its requests.
                // Through the registry the admin ports too pass to a successor on upgrade (they are exclusive, so it could not bind them).
                Func<Socket, CancellationToken, Task> serve = (socket, ct) => ServeAsync(socket, routes, connections, ct);
                _listeners.Add(_registry is null
                    ? SocketListener.Start(endPoint, serve, _logger, exclusive: true)
                    : _registry.Start(name, endPoint, serve, _logger, exclusive: true, tracked: false));
            }
            catch (SocketException e)
            {
                // Worded as Kestrel's bind failure was; an IOException around the SocketException is what the CLI's
                // HostRunner reports as `error: cannot listen` (exit 2).
                throw new IOException($"Failed to bind to address http://{endPoint}: {(e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : e.Message)}.", e);
            }
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        // Closing a listener cancels its connections' reads; each connection then disposes its socket.
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        _listeners.Clear();
    }

    /// <summary>Serves requests on one connection until the client closes it, asks to, times out, or sends something unparseable.</summary>
    private async Task ServeAsync(Socket socket, Dictionary<string, Func<string, AdminResponse>> routes, ConnectionCount connections, CancellationToken ct)
    {
        if (Interlocked.Increment(ref connections.Open) > MaxConnections)
        {
            Interlocked.Decrement(ref connections.Open);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (true)
            {
                if (length == 0)
                {
                    // Idle between requests: hold no buffer, only wait for bytes to arrive (a zero-byte read).
                    deadline.CancelAfter(IdleTimeout);
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, deadline.Token);
                }

                deadline.CancelAfter(RequestTimeout);
                buffer ??= ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
                AdminParseResult result;
                AdminRequest request;
                int consumed;
                while ((result = AdminRequestParser.Parse(buffer.AsSpan(0, length), MaxHeadBytes, out request, out consumed)) == AdminParseResult.Incomplete)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxHeadBytes) - length), SocketFlags.None, deadline.Token);
                    if (read == 0)
                    {
                        return; // the client left, between requests or half-way through one
                    }

                    length += read;
                }

                var (response, head) = result switch
                {
                    AdminParseResult.Complete => (Route(request, routes), request.Method == "HEAD"),
                    AdminParseResult.TooLarge => (AdminResponse.Empty(431), false),
                    AdminParseResult.UnsupportedVersion => (AdminResponse.Empty(505), false),
                    _ => (AdminResponse.Empty(400), false),
                };
                var keepAlive = result == AdminParseResult.Complete && request.KeepAlive;
                await SendAsync(socket, response, head, !keepAlive, request.Http10, deadline.Token);
                if (!keepAlive)
                {
                    deadline.CancelAfter(CloseTimeout);
                    await CloseAsync(socket, deadline.Token);
                    return;
                }

                // Bytes of a pipelined next request stay at the front of the buffer; with none, the buffer goes back.
                length -= consumed;
                buffer.AsSpan(consumed, length).CopyTo(buffer);
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Idle or request timeout: the connection is closed (disposed by the listener).
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Interlocked.Decrement(ref connections.Open);
        }
    }

    private AdminResponse Route(AdminRequest request, Dictionary<string, Func<string, AdminResponse>> routes)
    {
        // Paths match case-insensitively and with or without one trailing slash, as ASP.NET Core routing did.
        if (!routes.TryGetValue(request.Path, out var handler)
            && !(request.Path.Length > 1 && request.Path.EndsWith('/') && routes.TryGetValue(request.Path[..^1], out handler)))
        {
            return AdminResponse.Empty(404);
        }

        if (request.Method is not ("GET" or "HEAD"))
        {
            return AdminResponse.Empty(405);
        }

        try
        {
            return handler(request.Query);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "admin {Path} failed", request.Path);
            return AdminResponse.Empty(500);
        }
    }

    private static async Task SendAsync(Socket socket, AdminResponse response, bool head, bool close, bool http10, CancellationToken ct)
    {
        var (buffer, length) = response.Encode(head, close, http10);
        try
        {
            var sent = 0;
            while (sent < length)
            {
                sent += await socket.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None, ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Ends the connection after its last response: FIN first, then drain what the client still sends (the rest of
    /// an oversized head, an unread body) for a moment, so the close does not turn into a reset that would destroy
    /// the response before the client reads it.
    /// </summary>
    private static async Task CloseAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            var scratch = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                for (var drained = 0; drained < 64 * 1024;)
                {
                    var read = await socket.ReceiveAsync(scratch, SocketFlags.None, ct);
                    if (read == 0)
                    {
                        break;
                    }

                    drained += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Open connections of one port.</summary>
    private sealed class ConnectionCount
    {
        public int Open;
    }
}
