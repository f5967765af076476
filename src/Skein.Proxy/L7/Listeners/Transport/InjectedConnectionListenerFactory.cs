using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>Kestrel transport for <see cref="InjectedEndPoint"/>s: Kestrel "accepts" the connections Skein enqueues.</summary>
/// <remarks>
/// This is how bytes that did not arrive on a socket Kestrel owns reach it: HBONE tunnels terminated by a
/// waypoint (DESIGN §6: the HBONE stream fed to Kestrel as a connection), and cleartext connections whose
/// first bytes showed the HTTP/2 preface (Kestrel alone cannot serve HTTP/1.1 and h2c on one cleartext port).
/// Other endpoints are left to Kestrel's socket transport.
/// </remarks>
public sealed class InjectedConnectionListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly Dictionary<InjectedEndPoint, Listener> _listeners = [];

    public bool CanBind(EndPoint endpoint) => endpoint is InjectedEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var injected = (InjectedEndPoint)endpoint;
        var listener = new Listener(injected, this);
        lock (_listeners)
        {
            _listeners[injected] = listener;
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>Hands a connection to the Kestrel endpoint; false when nothing is listening there (the caller closes it).</summary>
    public bool TryInject(InjectedEndPoint endpoint, ConnectionContext connection)
    {
        Listener? listener;
        lock (_listeners)
        {
            listener = _listeners.GetValueOrDefault(endpoint);
        }

        return listener is not null && listener.Queue.Writer.TryWrite(connection);
    }

    private void Remove(Listener listener)
    {
        lock (_listeners)
        {
            if (_listeners.GetValueOrDefault((InjectedEndPoint)listener.EndPoint) == listener)
            {
                _listeners.Remove((InjectedEndPoint)listener.EndPoint);
            }
        }
    }

    private sealed class Listener(InjectedEndPoint endPoint, InjectedConnectionListenerFactory owner) : IConnectionListener
    {
        public Channel<ConnectionContext> Queue { get; } = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });

        public EndPoint EndPoint { get; } = endPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await Queue.Reader.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            owner.Remove(this);
            Queue.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            owner.Remove(this);
            Queue.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
