using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.Capture;

/// <summary>Outbound capture (15001): a local workload's connection, redirected by nftables, sent where it was going through the outbound path.</summary>
/// <remarks>
/// The destination is the connection's original one (<see cref="OriginalDestination"/>); the source workload is the one
/// of this node whose address the connection comes from, and its identity is the one presented. From there on it is the
/// same path as SOCKS5 and localhost upstreams (<see cref="OutboundProxy"/>): a Service VIP picks an endpoint, a waypoint
/// gets the traffic it governs, mesh destinations are reached over HBONE and unmeshed ones in plain TCP. A client cannot
/// be told why a redirected connection failed (it believes it reached the destination), so failures reset it.
/// </remarks>
public sealed class CapturedOutbound(ProxyOptions options, OutboundProxy outbound, ProxyStateStore state, ProxyStats stats, ILogger<CapturedOutbound> logger)
{
    public async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        stats.Increment("capture.outbound.downstream_cx_total");
        var peer = (IPEndPoint)socket.RemoteEndPoint!;
        if (OriginalDestination.Of(socket) is not { } target)
        {
            // Connected to 15001 directly rather than redirected: there is nowhere to send it.
            stats.Increment("capture.outbound.no_original_destination");
            logger.LogWarning("captured connection from {Peer} has no original destination (not redirected by the capture rules); closing", peer);
            Reset(socket);
            return;
        }

        var mesh = state.Current;
        if (!mesh.WorkloadsByIp.TryGetValue(Normalize(peer.Address), out var source) || !source.IsServedBy(options.Node))
        {
            // Only this node's workloads may send through it: their identity is what the tunnel presents.
            stats.Increment("capture.outbound.unknown_source");
            logger.LogWarning("captured connection from {Peer} to {Target}: {Peer} is not a workload of node {Node}; closing", peer, target, peer.Address, options.Node);
            Reset(socket);
            return;
        }

        await using var client = new NetworkStream(socket, ownsSocket: false);
        await using var connection = await outbound.OpenAsync(new Destination(null, target.Address, target.Port), source, ct);
        if (connection.Error != OutboundError.None)
        {
            // OpenAsync counted and logged why.
            Reset(socket);
            return;
        }

        await outbound.RelayAsync(client, connection, source, ct);
    }

    /// <summary>Closes with RST, so the client sees a failed connection rather than an empty answer.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
