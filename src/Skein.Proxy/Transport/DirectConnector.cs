using System.Net.Sockets;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.Transport;

/// <summary>Plain TCP straight to the endpoint: the pre-HBONE hop, and the path for unmeshed destinations.</summary>
public sealed class DirectConnector : IDestinationConnector
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public string Security => "none";

    public async ValueTask<Stream> ConnectAsync(UpstreamEndpoint endpoint, CancellationToken ct)
    {
        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(endpoint.Address, timeout.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
