using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>A Kestrel socket connection accepted by Skein's own listener, which learns when Kestrel is done with it.</summary>
/// <remarks>
/// Gateway listeners accept through <see cref="Lifecycle.ListenerRegistry"/> (so their sockets can be handed to a successor,
/// and a drain counts and cuts their connections like the node role's) and give each socket to Kestrel as an injected
/// connection. Kestrel disposes a connection when it has finished with it; that is the moment the accepting side may count
/// it closed. Everything else is the socket transport's own connection.
/// </remarks>
public sealed class AcceptedConnection : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly LingeringDuplexPipe _transport;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AcceptedConnection(ConnectionContext inner)
    {
        _inner = inner;
        _transport = new LingeringDuplexPipe(_inner.Transport);
        Transport = _transport;
    }

    /// <summary>Completes when Kestrel has disposed the connection.</summary>
    public Task Completion => _done.Task;

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    /// <summary>The socket's pipes behind <see cref="LingeringDuplexPipe"/>; Kestrel's TLS layer replaces it for the connection's lifetime and puts it back.</summary>
    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override void Abort() => _inner.Abort();

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            // Kestrel completed both sides: the socket closes after the client closed its side (or the linger ran out).
            await _transport.CloseAsync().WaitAsync(LingeringDuplexPipe.Linger + TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
        }

        try
        {
            await _inner.DisposeAsync();
        }
        finally
        {
            _done.TrySetResult();
        }
    }
}
