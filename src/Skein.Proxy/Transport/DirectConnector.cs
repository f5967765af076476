using System.Net;
using System.Net.Sockets;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.Transport;

/// <summary>Plain TCP straight to an address: the path for destinations outside the mesh, and HBONE's underlying dial.</summary>
public sealed class DirectConnector : IDestinationConnector
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public async ValueTask<HopStream> ConnectAsync(UpstreamEndpoint endpoint, Workload? source, CancellationToken ct) =>
        new(await DialAsync(endpoint.Address, ct), HopSecurity.Passthrough);

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
