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
public sealed class AcceptedConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when Kestrel has disposed the connection.</summary>
    public Task Completion => _done.Task;

    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => inner.Items;
        set => inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => inner.Transport;
        set => inner.Transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    public override void Abort() => inner.Abort();

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            _done.TrySetResult();
        }
    }
}
