using System.Net;
using System.Net.Sockets;

namespace Skein.Proxy.Transport;

/// <summary>Plain TCP dials: to destinations outside the mesh, to a local workload, and under every HBONE connection.</summary>
public static class TcpDialer
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Connects to <paramref name="address"/>, from <paramref name="bindTo"/> when that address is local to this host.</summary>
    /// <remarks>
    /// Sending from the source workload's own address lets the destination see (and policy match) the real
    /// client address, as ztunnel's transparent source does; where that address is not local, the kernel picks.
    /// </remarks>
    public static async Task<NetworkStream> DialAsync(IPEndPoint address, CancellationToken ct, IPAddress? bindTo = null)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (bindTo is not null && bindTo.AddressFamily == address.AddressFamily)
        {
            try
            {
                socket.Bind(new IPEndPoint(bindTo, 0));
            }
            catch (SocketException)
            {
            }
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(address, timeout.Token);
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
