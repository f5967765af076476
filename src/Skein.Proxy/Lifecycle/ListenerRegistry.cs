using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Capture;

namespace Skein.Proxy.Lifecycle;

/// <summary>Which listener a socket is: its kind (<c>socks</c>, <c>hbone</c>, <c>upstream</c>, <c>admin</c>, <c>metrics</c>) and address.</summary>
public sealed record ListenerKey(string Kind, IPEndPoint EndPoint)
{
    public override string ToString() => $"{Kind} {EndPoint}";
}

/// <summary>Every listening socket of the process: where they come from (bound here or inherited from the process being upgraded) and how they stop.</summary>
/// <remarks>
/// Listeners start through <see cref="Start"/>, which takes a socket the predecessor handed over when one matches the
/// kind and address, and binds otherwise. While a hand-over is under way nothing accepts yet (the predecessor still
/// serves on the same sockets) until <see cref="OpenForAccepting"/>: a connection is never given to a process that
/// has no config. A drain stops every accept loop at once and leaves the connections to finish.
/// </remarks>
public sealed class ListenerRegistry(ILogger<ListenerRegistry> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ListenerKey, Socket> _inherited = [];
    private readonly List<(ListenerKey Key, SocketListener Listener, bool Tracked)> _live = [];
    private TaskCompletionSource _accepting = Completed();
    private bool _stopped;
    private int _stoppedCount;

    /// <summary>Connections accepted by data-path listeners (not admin) and still open.</summary>
    public ConnectionTracker Connections { get; } = new();

    /// <summary>Whether accepting has stopped for good (a drain began).</summary>
    public bool Stopped
    {
        get { lock (_gate) { return _stopped; } }
    }

    /// <summary>Starts a listener on <paramref name="endPoint"/>: the predecessor's socket when it handed one over, a new one otherwise.</summary>
    /// <param name="tracked">Count its connections in <see cref="Connections"/> so a drain waits for them (false for admin ports, whose connections are cut when accepting stops).</param>
    /// <exception cref="SocketException">The port is taken, or the process is draining (<see cref="SocketError.Shutdown"/>).</exception>
    public SocketListener Start(string kind, IPEndPoint endPoint, Func<Socket, CancellationToken, Task> handler, ILogger listenerLogger, bool exclusive = false, bool tracked = true)
    {
        var key = new ListenerKey(kind, endPoint);
        lock (_gate)
        {
            if (_stopped)
            {
                throw new SocketException((int)SocketError.Shutdown);
            }

            var inherited = _inherited.Remove(key, out var socket);
            socket ??= SocketListener.Bind(endPoint, exclusive);
            if (inherited)
            {
                logger.LogInformation("{Listener}: took over the predecessor's listening socket", key);
            }

            var listener = SocketListener.Start(socket, handler, listenerLogger, tracked ? Connections : null, _accepting.Task);
            _live.RemoveAll(l => l.Listener.IsClosed);
            _live.Add((key, listener, tracked));
            return listener;
        }
    }

    /// <summary>Sockets handed over by the predecessor, matched to listeners as they start; accepting waits for <see cref="OpenForAccepting"/>.</summary>
    public void Inherit(IEnumerable<(ListenerKey Key, Socket Socket)> sockets)
    {
        lock (_gate)
        {
            _accepting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var (key, socket) in sockets)
            {
                if (_inherited.Remove(key, out var duplicate))
                {
                    SharedSockets.CloseDescriptor(duplicate);
                }

                _inherited[key] = socket;
            }
        }
    }

    /// <summary>Lets every listener accept (the process has its config and serves).</summary>
    public void OpenForAccepting()
    {
        lock (_gate)
        {
            _accepting.TrySetResult();
        }
    }

    /// <summary>Closes inherited sockets no listener claimed (the predecessor served something this config does not); returns them.</summary>
    public IReadOnlyList<ListenerKey> CloseUnclaimed()
    {
        List<(ListenerKey Key, Socket Socket)> unclaimed;
        lock (_gate)
        {
            unclaimed = [.. _inherited.Select(p => (p.Key, p.Value))];
            _inherited.Clear();
        }

        foreach (var (_, socket) in unclaimed)
        {
            SharedSockets.CloseDescriptor(socket);
        }

        return [.. unclaimed.Select(u => u.Key)];
    }

    /// <summary>The listening sockets accepting now, for handing to a successor.</summary>
    internal IReadOnlyList<(ListenerKey Key, Socket Socket)> Listening()
    {
        lock (_gate)
        {
            return [.. _live.Where(l => !l.Listener.IsClosed).Select(l => (l.Key, l.Listener.Socket))];
        }
    }

    /// <summary>Stops every data-path accept loop (their connections carry on); later <see cref="Start"/> calls fail.</summary>
    /// <param name="shared">A successor holds the same sockets: close only this process's descriptors, and the admin
    /// ports' too (they are the successor's now; their connections are cut). Otherwise the admin ports stay up, so a
    /// drain can be watched, until the admin server stops after it.</param>
    /// <returns>How many listeners have stopped so far (this call and earlier ones).</returns>
    public async Task<int> StopAcceptingAsync(bool shared)
    {
        List<(ListenerKey Key, SocketListener Listener, bool Tracked)> live;
        lock (_gate)
        {
            _stopped = true;
            _accepting.TrySetResult();
            live = [.. _live.Where(l => !l.Listener.IsClosed && (shared || l.Tracked))];
        }

        foreach (var (_, listener, tracked) in live)
        {
            await listener.StopAcceptingAsync(shared);
            if (!tracked)
            {
                listener.CutConnections();
            }
        }

        CloseUnclaimed();
        return Interlocked.Add(ref _stoppedCount, live.Count);
    }

    /// <summary>Cancels every connection still open (the drain deadline passed).</summary>
    public void CutAll()
    {
        List<SocketListener> all;
        lock (_gate)
        {
            all = [.. _live.Select(l => l.Listener)];
        }

        foreach (var listener in all)
        {
            listener.CutConnections();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
