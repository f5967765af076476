using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Xds;
using Skein.Proxy.Capture;
using Skein.Proxy.State;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Lifecycle;

/// <summary>Upgrades without refused connections: takes the listening sockets over from the proxy of the same role already running, and hands its own to the next one.</summary>
/// <remarks>
/// Start-up (<see cref="StartAsync"/>, before any listener binds): when a proxy answers on the hand-over socket, it
/// sends every listening socket (SCM_RIGHTS) with its kind and address, and the listeners here take those instead
/// of binding. Both processes then hold the same sockets; only the old one accepts until this one has its config and
/// its listeners reconciled (node: the workload listeners; gateway and waypoint: the Gateway listeners, bound before
/// the Gateway type counts as applied), then this one starts accepting and says READY, the old one stops accepting (connections
/// queued on the sockets are simply accepted here), closes its descriptors and drains. The kernel never sees a
/// closed listener, so no connection attempt is refused. Afterwards this process listens on the hand-over socket
/// for its own successor (<see cref="RunAsync"/>). SO_REUSEPORT overlap was the alternative; it was not chosen
/// because closing a reuseport listener resets the connections still queued on it.
/// </remarks>
public sealed class ListenerHandover(
    ProxyOptions options,
    ListenerRegistry registry,
    XdsStatus xds,
    ProxyStateStore state,
    WorkloadListeners workloadListeners,
    IHostApplicationLifetime lifetime,
    ILogger<ListenerHandover> logger) : IHostedService
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);
    private HandoverChannel? _predecessor;
    private int _predecessorPid;
    private volatile bool _handedOver;

    /// <summary>True once a successor said READY: this process's listeners belong to it and this one only drains.</summary>
    public bool HandedOver => _handedOver;

    /// <summary>Takes the predecessor's listening sockets, if one runs; throws <see cref="IOException"/> (exit 2) when the socket is not usable.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.HandoverSocket is not { } path || !File.Exists(path))
        {
            return;
        }

        HandoverChannel channel;
        try
        {
            channel = HandoverChannel.Connect(path);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            logger.LogInformation("hand-over socket {Path} is stale (no proxy behind it): binding the listeners", path);
            return;
        }
        catch (SocketException e)
        {
            throw new IOException($"hand-over socket {path}: {(e.SocketErrorCode == SocketError.AccessDenied ? "permission denied (it belongs to another user's proxy?)" : e.Message)}; pass another --handover-socket or --handover-socket off");
        }

        try
        {
            await channel.SendAsync(HandoverProtocol.Hello(Environment.ProcessId, options.Role), null, ReplyTimeout);
            var reply = await ReceiveOrThrowAsync(channel, path);
            if (HandoverProtocol.ParseGreeting(reply.Message) is not { } greeting)
            {
                throw new IOException($"hand-over socket {path}: the process behind it is not a Skein proxy (it answered \"{Printable(reply.Message)}\"); remove it or pass another --handover-socket");
            }

            if (greeting.Version != HandoverProtocol.Version || greeting.Verb != "OK")
            {
                throw new IOException($"hand-over socket {path}: the running proxy (pid {greeting.Pid}) speaks hand-over protocol {greeting.Version}, this binary {HandoverProtocol.Version}; stop it (it drains on SIGTERM) and start this one");
            }

            if (greeting.Role != options.Role)
            {
                throw new IOException($"hand-over socket {path}: the running proxy (pid {greeting.Pid}) has role {greeting.Role}, this one {options.Role}; pass this proxy's own --handover-socket");
            }

            _predecessorPid = greeting.Pid;
            var sockets = await ReceiveListenersAsync(channel, path);
            if (sockets is null)
            {
                channel.Dispose();
                return;
            }

            registry.Inherit(sockets);
            _predecessor = channel;
            logger.LogInformation("taking over from the running proxy (pid {Pid}): {Count} listening sockets received on {Path}; accepting once the config is applied",
                greeting.Pid, sockets.Count, path);
        }
        catch (Exception e) when (e is TimeoutException or SocketException)
        {
            channel.Dispose();
            throw new IOException($"hand-over socket {path}: no Skein proxy answered ({e.Message}); remove it or pass another --handover-socket");
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<List<(ListenerKey, Socket)>?> ReceiveListenersAsync(HandoverChannel channel, string path)
    {
        var sockets = new List<(ListenerKey, Socket)>();
        try
        {
            while (true)
            {
                var message = await channel.ReceiveAsync(ReplyTimeout);
                if (message is not { } m)
                {
                    throw new IOException("the running proxy closed the hand-over connection mid-way");
                }

                if (m.Message.StartsWith("END", StringComparison.Ordinal))
                {
                    m.Socket?.Dispose();
                    return sockets;
                }

                if (HandoverProtocol.ParseListener(m.Message) is not { } key || m.Socket is null)
                {
                    m.Socket?.Dispose();
                    throw new IOException($"unexpected hand-over message \"{Printable(m.Message)}\"");
                }

                sockets.Add((key, m.Socket));
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or SocketException)
        {
            // The old process died or broke off: whatever it still holds is closing, so bind everything here.
            foreach (var (_, socket) in sockets)
            {
                socket.Dispose();
            }

            logger.LogWarning("hand-over from {Path} failed after {Count} sockets ({Reason}): binding the listeners instead", path, sockets.Count, e.Message);
            return null;
        }
    }

    /// <summary>Finishes a take-over once this process serves, then listens for a successor until the host stops.</summary>
    internal async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            if (_predecessor is { } predecessor)
            {
                await CompleteTakeOverAsync(predecessor, stopping);
            }

            if (options.HandoverSocket is { } path)
            {
                await ServeSuccessorsAsync(path, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "listener hand-over failed");
            registry.OpenForAccepting();
        }
    }

    private async Task CompleteTakeOverAsync(HandoverChannel predecessor, CancellationToken stopping)
    {
        using (predecessor)
        {
            // Ready means serving: the config arrived and the listeners were reconciled with it.
            var waiting = false;
            while (!Serving())
            {
                if (!waiting)
                {
                    logger.LogInformation("waiting for config from the control plane before taking over; the running proxy keeps serving");
                    waiting = true;
                }

                await Task.Delay(50, stopping);
            }

            registry.OpenForAccepting();
            try
            {
                await predecessor.SendAsync(HandoverProtocol.Ready, null, ReplyTimeout);
                var reply = await predecessor.ReceiveAsync(TimeSpan.FromSeconds(30), stopping);
                if (reply?.Message != HandoverProtocol.Released)
                {
                    logger.LogWarning("the previous proxy (pid {Pid}) did not confirm the hand-over; it may still be accepting", _predecessorPid);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException)
            {
                logger.LogWarning("the previous proxy (pid {Pid}) went away during the hand-over ({Reason}); serving on the sockets it sent", _predecessorPid, e.Message);
            }

            var unclaimed = registry.CloseUnclaimed();
            logger.LogInformation("took over from pid {Pid}; it drains its connections and exits{Unclaimed}", _predecessorPid,
                unclaimed.Count == 0 ? "" : $"; closed sockets this config does not serve: {string.Join(", ", unclaimed)}");
        }
    }

    /// <summary>Whether this process has its config and its listeners match it.</summary>
    /// <remarks>Gateway and waypoint listeners need no separate check: <c>GatewayHandler</c> binds them before the
    /// xDS client records the Gateway type as applied.</remarks>
    private bool Serving() => options.Role == "node"
        ? xds.HasConfig(TypeUrls.NodeTypes) && ReferenceEquals(workloadListeners.Reconciled, state.Current)
        : xds.HasConfig(TypeUrls.L7Types);

    private async Task ServeSuccessorsAsync(string path, CancellationToken stopping)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // descriptor passing is a Unix facility
        }

        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if ((File.GetUnixFileMode(dir) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 &&
            (File.GetUnixFileMode(dir) & UnixFileMode.StickyBit) == 0)
        {
            // Others could replace the socket file with their own and be handed this proxy's listeners' successor.
            logger.LogWarning("hand-over socket {Path}: its directory is writable by other users; upgrades without dropped connections are off (pass --handover-socket in a private directory)", path);
            return;
        }

        // A file left here is a previous proxy's socket (it was released to us, or the proxy died).
        File.Delete(path);
        using var server = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        // Only this user may connect (connect(2) needs write permission on the socket file) and so take the listeners.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        server.Listen(4);
        logger.LogDebug("listener hand-over socket on {Path}", path);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var accepted = await server.AcceptAsync(stopping);
                using var channel = new HandoverChannel(accepted);
                if (await HandOverAsync(channel, path, server, stopping))
                {
                    return;
                }
            }
        }
        finally
        {
            if (!_handedOver)
            {
                server.Dispose();
                File.Delete(path);
            }
        }
    }

    /// <summary>Serves one successor; true when it took the listeners over (this process then drains).</summary>
    private async Task<bool> HandOverAsync(HandoverChannel channel, string path, Socket server, CancellationToken stopping)
    {
        try
        {
            var hello = await channel.ReceiveAsync(ReplyTimeout, stopping);
            if (hello is not { } h || HandoverProtocol.ParseGreeting(h.Message) is not { } greeting || greeting.Verb != "HELLO")
            {
                logger.LogWarning("hand-over socket: ignored a connection that did not greet as a Skein proxy");
                return false;
            }

            // Answer with our version even on a mismatch: the successor reports it and stops.
            await channel.SendAsync(HandoverProtocol.Ok(Environment.ProcessId, options.Role), null, ReplyTimeout);
            if (greeting.Version != HandoverProtocol.Version)
            {
                logger.LogWarning("a proxy (pid {Pid}) asked for the listeners with hand-over protocol {Version}; this one speaks {Own}: refused", greeting.Pid, greeting.Version, HandoverProtocol.Version);
                return false;
            }

            if (greeting.Role != options.Role)
            {
                logger.LogWarning("a {Role} proxy (pid {Pid}) asked for this {Own} proxy's listeners: refused", greeting.Role, greeting.Pid, options.Role);
                return false;
            }

            var listening = registry.Listening();
            foreach (var (key, socket) in listening)
            {
                await channel.SendAsync(HandoverProtocol.Listener(key), socket, ReplyTimeout);
            }

            await channel.SendAsync(HandoverProtocol.End(listening.Count), null, ReplyTimeout);
            logger.LogInformation("upgrade: sent {Count} listening sockets to pid {Pid}; serving until it is ready", listening.Count, greeting.Pid);

            // No deadline: the successor may wait long for its config, and this process serves meanwhile.
            var ready = await channel.ReceiveAsync(TimeSpan.FromDays(1), stopping);
            if (ready?.Message != HandoverProtocol.Ready)
            {
                logger.LogWarning("the new proxy (pid {Pid}) went away before it was ready: still serving", greeting.Pid);
                return false;
            }

            _handedOver = true;
            try
            {
                var stopped = await registry.StopAcceptingAsync(shared: true);
                server.Dispose();
                File.Delete(path);
                logger.LogInformation("upgrade: pid {Pid} is ready and accepts on the {Count} listeners; draining", greeting.Pid, stopped);
                await channel.SendAsync(HandoverProtocol.Released, null, ReplyTimeout);
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException)
            {
                // The successor holds the sockets already; it carries on without the confirmation.
                logger.LogWarning("upgrade: could not confirm the hand-over to pid {Pid}: {Reason}", greeting.Pid, e.Message);
            }
            finally
            {
                lifetime.StopApplication();
            }

            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or ObjectDisposedException)
        {
            logger.LogWarning("hand-over with a new proxy failed ({Reason}): still serving", e.Message);
            return false;
        }
    }

    private static async Task<(string Message, Socket? Socket)> ReceiveOrThrowAsync(HandoverChannel channel, string path)
    {
        var message = await channel.ReceiveAsync(ReplyTimeout) ?? throw new IOException($"hand-over socket {path}: the process behind it closed the connection without answering; remove it or pass another --handover-socket");
        message.Socket?.Dispose();
        return message;
    }

    private static string Printable(string message) =>
        message.Length > 60 ? string.Concat(message.AsSpan(0, 60), "…") : message.Replace('\n', ' ');
}
