using System.Net;
using System.Net.Sockets;
using Skein.Core.Identity;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Hbone;
using Skein.Proxy.Outbound;
using Skein.Proxy.Policy;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;

namespace Skein.Proxy.Inbound;

/// <summary>The east-west gateway's part of the inbound path: relay a federated peer's tunnel to a workload's node proxy.</summary>
/// <remarks>
/// A peer mesh that cannot reach this mesh's workloads directly sends double HBONE to a workload labelled
/// <c>skein.dev/network-gateway</c>: an outer CONNECT to <c>&lt;workload ip&gt;:15008</c> whose bytes are the inner HBONE
/// connection, with its own TLS between the peer's proxy and the destination's node proxy. The gateway never sees inside
/// it; it checks who may cross (a verified SVID of a trusted domain, and the AuthorizationPolicies that select the
/// gateway, on port 15008) and that the target is an HBONE port of this mesh (so it is no open relay), then copies bytes.
/// The destination's node proxy then authenticates and authorizes the original caller as usual.
/// </remarks>
public sealed partial class HboneInbound
{
    private async Task RelayAsync(HboneRequest request, Workload gateway, IPAddress targetIp, int targetPort, SpiffeId? peerId, IPEndPoint peer, CancellationToken ct)
    {
        var caller = new Caller(peerId, peer);
        var mesh = state.Current;
        if (peerId is null)
        {
            await RejectAsync(request, 401, $"network gateway {gateway.Namespace}/{gateway.Name} relays mTLS tunnels only", caller, destination: gateway);
            return;
        }

        if (targetPort != HboneConnector.HbonePort)
        {
            await RejectAsync(request, 400, $"network gateway {gateway.Namespace}/{gateway.Name} relays to HBONE ports (ip:{HboneConnector.HbonePort}) only", caller, destination: gateway);
            return;
        }

        if (!mesh.WorkloadsByIp.TryGetValue(targetIp, out var target) || target.IsOutsideMesh() || !IsLocalTrustDomain(target))
        {
            await RejectAsync(request, 503, $"no workload of this mesh at {targetIp} for network gateway {gateway.Namespace}/{gateway.Name}", caller, "NR", gateway);
            return;
        }

        var gatewayIp = new IPAddress(gateway.Addresses[0].Span);
        var decision = CrossingDecision(mesh, gateway, gatewayIp, peerId.Value, peer);
        if (!decision.Allowed)
        {
            stats.Increment("inbound.denied_policy");
            await RejectAsync(request, 401, decision.Reason, caller, destination: gateway, denial: decision);
            return;
        }

        var upstreamAddress = new IPEndPoint(targetIp, targetPort);
        NetworkStream upstream;
        try
        {
            // From the gateway's own address: the destination sees where the tunnel entered its network.
            upstream = await TcpDialer.DialAsync(upstreamAddress, ct, gatewayIp);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            stats.Increment("inbound.network_gateway_connect_fail");
            await RejectAsync(request, 503, $"network gateway {gateway.Namespace}/{gateway.Name} could not reach {target.Name} at {upstreamAddress}: {e.Message}", caller, "UF", target);
            return;
        }

        await using (upstream)
        {
            await using var tunnel = await request.AcceptAsync(cancellationToken: ct);
            var gatewayUid = gateway.Uid;
            using var guarded = guard.Track($"relay {caller} -> {request.Authority}", now => RecheckRelay(now, gatewayUid, gatewayIp, peerId.Value, peer), ct);
            stats.Increment("inbound.network_gateway_relayed_total");
            var start = DateTimeOffset.UtcNow;
            var timer = System.Diagnostics.Stopwatch.StartNew();
            long sent = 0, received = 0;
            try
            {
                (sent, received) = await BidirectionalCopy.RunAsync(tunnel, upstream,
                    new Tally(stats.Get("inbound.network_gateway_rx_bytes")), new Tally(stats.Get("inbound.network_gateway_tx_bytes")), guarded.Token);
            }
            finally
            {
                accessLog.Write(new AccessLogRecord
                {
                    Start = start,
                    Direction = "inbound",
                    Node = options.Node,
                    SourcePrincipal = peerId.ToString(),
                    SourceAddress = peer.ToString(),
                    DestinationWorkload = target.Name,
                    DestinationNamespace = target.Namespace,
                    UpstreamHost = upstreamAddress.ToString(),
                    Requested = request.Authority,
                    BytesSent = sent,
                    BytesReceived = received,
                    Duration = timer.Elapsed,
                    Security = "mutual_tls",
                    Details = guarded.Revoked is { } revoked ? RevokedDetails(revoked) : $"relayed_by_network_gateway_{gateway.Namespace}/{gateway.Name}",
                    FailedHop = guarded.Revoked is null ? null : $"destination-proxy/{options.Node}",
                });
            }
        }
    }

    /// <summary>Whether the caller may cross at this gateway: the AuthorizationPolicies that select the gateway workload, on the HBONE port.</summary>
    private static AuthorizationDecision CrossingDecision(MeshState mesh, Workload gateway, IPAddress gatewayIp, SpiffeId peerId, IPEndPoint peer) =>
        AuthorizationEvaluator.Evaluate(mesh, gateway, new ConnectionAttributes(peerId, peer.Address, gatewayIp, HboneConnector.HbonePort));

    /// <summary>Why an open relay may no longer run: the caller's trust domain dropped, the workload no longer a gateway here, or its policy now denies.</summary>
    private string? RecheckRelay(MeshState mesh, string gatewayUid, IPAddress gatewayIp, SpiffeId peerId, IPEndPoint peer)
    {
        if (!trust.Bundles.TryGetRoots(peerId.TrustDomain, out _))
        {
            return $"trust domain {peerId.TrustDomain} is no longer trusted";
        }

        if (!mesh.Workloads.TryGetValue(gatewayUid, out var gateway) || !gateway.IsServedBy(options.Node) || !gateway.IsNetworkGateway())
        {
            return $"workload {gatewayUid} is no longer a network gateway on node {options.Node}";
        }

        var decision = CrossingDecision(mesh, gateway, gatewayIp, peerId, peer);
        return decision.Allowed ? null : decision.Reason;
    }

    private bool IsLocalTrustDomain(Workload workload) => workload.TrustDomain.Length == 0 || workload.TrustDomain == options.TrustDomain;

    private static bool IsAddressOf(Workload workload, IPAddress ip)
    {
        foreach (var address in workload.Addresses)
        {
            if (ip.Equals(new IPAddress(address.Span)))
            {
                return true;
            }
        }

        return false;
    }
}
