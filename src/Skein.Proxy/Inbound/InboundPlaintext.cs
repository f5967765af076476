using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Capture;
using Skein.Proxy.Identity;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;

namespace Skein.Proxy.Inbound;

/// <summary>Inbound plaintext (15006): TCP from outside the mesh to a captured workload of this node, redirected by nftables.</summary>
/// <remarks>
/// ztunnel's inbound passthrough. The caller has no identity, so the workload's PeerAuthentication decides first: STRICT
/// (the default) refuses; PERMISSIVE and DISABLE let it through to L4 AuthorizationPolicy (<see cref="InboundAdmission"/>,
/// the same decision HBONE tunnels get, without a principal), then the proxy connects to the workload and relays,
/// logged as plaintext. Refusals reset the connection: there is no protocol to answer in.
/// </remarks>
public sealed class InboundPlaintext(
    ProxyOptions options,
    ProxyStateStore state,
    HboneInbound inbound,
    ProxyStats stats,
    AccessLog accessLog,
    ILogger<InboundPlaintext> logger)
{
    public async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        stats.Increment("capture.inbound.downstream_cx_total");
        var peer = (IPEndPoint)socket.RemoteEndPoint!;
        peer = new IPEndPoint(CapturedOutbound.Normalize(peer.Address), peer.Port);
        if (OriginalDestination.Of(socket) is not { } target)
        {
            stats.Increment("capture.inbound.no_original_destination");
            logger.LogWarning("plaintext connection from {Peer} has no original destination (not redirected by the capture rules); closing", peer);
            CapturedOutbound.Reset(socket);
            return;
        }

        var mesh = state.Current;
        if (!mesh.WorkloadsByIp.TryGetValue(target.Address, out var workload) || !workload.IsServedBy(options.Node))
        {
            stats.Increment("capture.inbound.unknown_destination");
            Refuse(socket, peer, target, null, $"no workload at {target.Address} on node {options.Node}", "NR");
            return;
        }

        var verdict = InboundAdmission.Decide(mesh, workload, target.Port, null, peer.Address, target.Address, options.TrustDomain);
        if (verdict.Audited.Count > 0)
        {
            logger.LogInformation("audit: plaintext {Peer} -> {Workload}:{Port} matched {Policies}", peer.Address, workload.Name, target.Port, string.Join(", ", verdict.Audited));
        }

        if (!verdict.Allowed)
        {
            stats.Increment(verdict.Counter!);
            stats.Increment("capture.inbound.refused");
            Refuse(socket, peer, target, workload, verdict.Reason, "-", verdict.Denial?.Policy, verdict.Denial is not null);
            return;
        }

        NetworkStream upstream;
        try
        {
            upstream = await TcpDialer.DialAsync(target, ct);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            stats.Increment("inbound.upstream_cx_connect_fail");
            Refuse(socket, peer, target, workload, $"connect to {workload.Name} at {target} failed: {e.Message}", "UF");
            return;
        }

        // Plaintext is a deliberate, visible choice (PeerAuthentication PERMISSIVE/DISABLE): say so, as the h2c HBONE path does.
        logger.LogInformation("plaintext connection from {Peer} to workload {Workload} ({Target}): no identity, no encryption", peer, workload.Name, target);
        await using (upstream)
        {
            await using var client = new NetworkStream(socket, ownsSocket: false);
            await inbound.RelayToWorkloadAsync(client, upstream, mesh, workload, target, null, peer, peer.Address, target.ToString(), ct);
        }
    }

    private void Refuse(Socket socket, IPEndPoint peer, IPEndPoint target, Skein.Core.Protos.Workload.Workload? workload, string reason, string flags,
        string? policy = null, bool policyDenied = false)
    {
        logger.LogWarning("plaintext connection from {Peer} to {Target} refused: {Reason}", peer, target, reason);
        accessLog.Write(new AccessLogRecord
        {
            Start = DateTimeOffset.UtcNow,
            Direction = "inbound",
            Node = options.Node,
            SourceAddress = peer.ToString(),
            DestinationWorkload = workload?.Name,
            DestinationNamespace = workload?.Namespace,
            DestinationPrincipal = workload is null ? null : WorkloadIdentity.Of(workload, options.TrustDomain).ToString(),
            UpstreamHost = target.ToString(),
            Requested = target.ToString(),
            Security = "plaintext",
            ResponseFlags = flags,
            Details = policyDenied ? AccessLogRecord.RbacDenied(policy) : AccessLogRecord.ToDetails(reason),
            Policy = policy,
            FailedHop = flags == "UF" ? $"destination-workload/{target}" : $"destination-proxy/{options.Node}",
        });
        CapturedOutbound.Reset(socket);
    }
}
