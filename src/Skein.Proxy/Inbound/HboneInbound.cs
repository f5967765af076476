using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Capture;
using Skein.Proxy.Hbone;
using Skein.Proxy.Identity;
using Skein.Proxy.Outbound;
using Skein.Proxy.Policy;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;

namespace Skein.Proxy.Inbound;

/// <summary>The inbound data path: terminate HBONE for a workload on this node, check identity and policy, connect, relay.</summary>
/// <remarks>
/// Each local workload has its own listener on its address:15008, so the destination address picks the
/// certificate before any byte of HTTP is read (there is no SNI in HBONE). The first byte tells TLS
/// (0x16, a ClientHello) from plaintext h2c, which only PERMISSIVE or DISABLE workloads accept.
/// Status codes follow DESIGN §4: 400 bad method or authority, 401 denied, 503 unknown destination or
/// connect failure; 200 only once the workload accepted the connection.
/// </remarks>
public sealed partial class HboneInbound(
    ProxyOptions options,
    ProxyStateStore state,
    WorkloadCertificates certificates,
    MeshTrust trust,
    ProxyStats stats,
    TcpMetrics metrics,
    AccessLog accessLog,
    ConnectionGuard guard,
    ILogger<HboneInbound> logger)
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<HboneServerConnection, byte> _open = new();
    private volatile bool _draining;

    /// <summary>HBONE connections being served now.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>Sends GOAWAY on every HBONE connection (and on any that starts from now on): open tunnels finish, new ones go elsewhere.</summary>
    /// <returns>How many connections were told.</returns>
    public int GoAway()
    {
        _draining = true;
        var told = 0;
        foreach (var connection in _open.Keys)
        {
            told++;
            _ = ShutdownQuietlyAsync(connection);
        }

        return told;
    }

    private static async Task ShutdownQuietlyAsync(HboneServerConnection connection)
    {
        try
        {
            await connection.ShutdownAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async Task ServeAsync(Socket socket, string workloadUid, CancellationToken ct)
    {
        var peer = (IPEndPoint)socket.RemoteEndPoint!;
        stats.Increment("inbound.downstream_cx_total");
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(HandshakeTimeout);
        var first = new byte[1];
        if (await socket.ReceiveAsync(first, SocketFlags.Peek, handshake.Token) == 0)
        {
            return;
        }

        var network = new NetworkStream(socket, ownsSocket: false);
        Stream transport = network;
        SpiffeId? peerId = null;
        var plaintext = first[0] != 0x16;
        if (!plaintext)
        {
            var tls = await AuthenticateAsync(network, workloadUid, peer, handshake.Token);
            if (tls is null)
            {
                stats.Increment("inbound.tls_handshake_failed");
                return;
            }

            transport = tls.Value.Stream;
            peerId = tls.Value.PeerId;
            stats.Increment("inbound.mtls_cx_total");
        }
        else
        {
            // Plaintext is a deliberate, visible choice (PeerAuthentication PERMISSIVE/DISABLE); each request is still checked below.
            stats.Increment("inbound.plaintext_cx_total");
            logger.LogInformation("plaintext (h2c) HBONE connection from {Peer} to workload {Workload}: no identity, no encryption", peer, workloadUid);
        }

        await using var server = new HboneServerConnection(transport);
        _open[server] = 0;
        try
        {
            var run = server.RunAsync(request => HandleAsync(request, workloadUid, peerId, peer, ct), ct);
            if (_draining)
            {
                // Accepted just before the listener closed: drain it like the others.
                _ = ShutdownQuietlyAsync(server);
            }

            await run;
        }
        finally
        {
            _open.TryRemove(server, out _);
        }
    }

    private async Task<(SslStream Stream, SpiffeId PeerId)?> AuthenticateAsync(NetworkStream network, string workloadUid, IPEndPoint peer, CancellationToken ct)
    {
        // A workload just placed here may be dialled before its first certificate arrives: wait briefly, as
        // the outbound side does, instead of failing the handshake.
        if (!state.Current.Workloads.TryGetValue(workloadUid, out var workload) ||
            await certificates.GetAsync(WorkloadIdentity.Of(workload, options.TrustDomain), TimeSpan.FromSeconds(5), ct) is not { } certificate)
        {
            logger.LogWarning("mTLS from {Peer} refused: no certificate for workload {Workload} yet", peer, workloadUid);
            return null;
        }

        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        SvidValidationResult? verdict = null;
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, [.. certificate.Chain], offline: true),
                ClientCertificateRequired = true,
                EnabledSslProtocols = MeshTrust.Protocols,
                ApplicationProtocols = MeshTrust.Alpn,
                RemoteCertificateValidationCallback = (_, cert, chain, _) =>
                {
                    verdict = trust.Validate(cert, chain);
                    return verdict.IsValid;
                },
            }, ct);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
        {
            logger.LogWarning("mTLS from {Peer} to {Workload} refused: {Reason}", peer, workload.Name, verdict is { IsValid: false } v ? v.ToString() : e.Message);
            await tls.DisposeAsync();
            return null;
        }

        if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2 || verdict is not { IsValid: true })
        {
            logger.LogWarning("mTLS from {Peer} refused: ALPN h2 and a client SVID are required", peer);
            await tls.DisposeAsync();
            return null;
        }

        return (tls, verdict.Id);
    }

    private async Task HandleAsync(HboneRequest request, string workloadUid, SpiffeId? peerId, IPEndPoint peer, CancellationToken ct)
    {
        var caller = new Caller(peerId, peer);
        if (request.Method != "CONNECT")
        {
            await RejectAsync(request, 400, $"method {request.Method} is not allowed: HBONE accepts CONNECT only", caller);
            return;
        }

        if (peerId is { } verified && !trust.Bundles.TryGetRoots(verified.TrustDomain, out _))
        {
            // The caller's trust domain was unfederated after this connection's handshake: its SVID no longer counts.
            await RejectAsync(request, 401, $"trust domain {verified.TrustDomain} is no longer trusted", caller);
            return;
        }

        if (!ProxyProtocolListener.TryParseAuthority(request.Authority, out var authority) || authority.Ip is null)
        {
            await RejectAsync(request, 400, $"authority \"{request.Authority}\" is not ip:port", caller);
            return;
        }

        var mesh = state.Current;
        if (mesh.Workloads.TryGetValue(workloadUid, out var entered) && entered.IsNetworkGateway() && !IsAddressOf(entered, authority.Ip))
        {
            // The connection came in through an east-west gateway and names another workload: relay it (double HBONE).
            await RelayAsync(request, entered, authority.Ip, authority.Port, peerId, peer, ct);
            return;
        }

        if (!mesh.WorkloadsByIp.TryGetValue(authority.Ip, out var workload) || !workload.IsServedBy(options.Node))
        {
            await RejectAsync(request, 503, $"no workload at {authority.Ip} on node {options.Node}", caller, "NR");
            return;
        }

        if (workload.Uid != workloadUid)
        {
            await RejectAsync(request, 400, $"authority {request.Authority} is not the workload this connection was made to", caller);
            return;
        }

        var client = ClientAddress(request, peerId, peer.Address, mesh);
        caller = caller with { Client = client };
        var verdict = InboundAdmission.Decide(mesh, workload, authority.Port, peerId, client, authority.Ip, options.TrustDomain);
        if (verdict.Audited.Count > 0)
        {
            logger.LogInformation("audit: {Source} -> {Workload}:{Port} matched {Policies}", caller, workload.Name, authority.Port, string.Join(", ", verdict.Audited));
        }

        if (!verdict.Allowed)
        {
            stats.Increment(verdict.Counter!);
            await RejectAsync(request, 401, verdict.Reason, caller, destination: workload, denial: verdict.Denial);
            return;
        }

        var target = new IPEndPoint(authority.Ip, authority.Port);
        NetworkStream upstream;
        try
        {
            upstream = await TcpDialer.DialAsync(target, ct);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            stats.Increment("inbound.upstream_cx_connect_fail");
            await RejectAsync(request, 503, $"connect to {workload.Name} at {target} failed: {e.Message}", caller, "UF", workload);
            return;
        }

        await using (upstream)
        {
            await using var tunnel = await request.AcceptAsync(cancellationToken: ct);
            await RelayToWorkloadAsync(tunnel, upstream, mesh, workload, target, peerId, peer, client, request.Authority, ct);
        }
    }

    /// <summary>Copies bytes between an admitted downstream (an HBONE tunnel, or captured plaintext) and the workload, guarded by
    /// <see cref="ConnectionGuard"/>, with counters, metrics and the access log record.</summary>
    /// <param name="peerId">The peer's verified identity; null for plaintext.</param>
    /// <param name="client">The client's address (<see cref="ClientAddress"/>): policy re-checks and which workload the connection is attributed to.</param>
    internal async Task RelayToWorkloadAsync(Stream downstream, NetworkStream upstream, MeshState mesh, Workload workload, IPEndPoint target, SpiffeId? peerId,
        IPEndPoint peer, IPAddress client, string requested, CancellationToken ct)
    {
        using var guarded = guard.Track($"tunnel {(peerId?.ToString() ?? $"plaintext {peer.Address}")} -> {requested}",
            now => Recheck(now, workload.Uid, target.Address, target.Port, peerId, client), ct);
        stats.Increment("inbound.connections_total");
        var counters = stats.InboundWorkload(workload.Namespace, workload.Name);
        (peerId is null ? counters.Plaintext : counters.Mtls).Add(1);
        // The source workload is the one the verified identity and (bound) source address agree on.
        var sourceWorkload = mesh.WorkloadsByIp.GetValueOrDefault(client) is { } byIp &&
                             (peerId is null || WorkloadIdentity.Of(byIp, options.TrustDomain) == peerId) ? byIp : null;
        // The service this port serves, from the workload's own few service entries (not a scan of the mesh).
        var service = workload.Services.Where(p => p.Value.Ports.Any(port => port.TargetPort == target.Port))
            .Select(p => mesh.Services.GetValueOrDefault(p.Key)).FirstOrDefault(s => s is not null);
        var sourcePrincipal = peerId?.ToString();
        var destinationPrincipal = peerId is null ? null : WorkloadIdentity.Of(workload, options.TrustDomain).ToString();
        var series = metrics.Series(TcpLabels.For("destination", sourceWorkload, sourcePrincipal, workload, destinationPrincipal, service, peerId is not null));
        series.Opened.Add(1);
        var start = DateTimeOffset.UtcNow;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        long sent = 0, received = 0;
        try
        {
            (sent, received) = await BidirectionalCopy.RunAsync(downstream, upstream,
                new Tally(counters.RxBytes, series.Sent), new Tally(counters.TxBytes, series.Received), guarded.Token);
        }
        finally
        {
            series.Closed.Add(1);
            accessLog.Write(new AccessLogRecord
            {
                Start = start,
                Direction = "inbound",
                Node = options.Node,
                SourceWorkload = sourceWorkload?.Name,
                SourceNamespace = sourceWorkload?.Namespace,
                SourcePrincipal = sourcePrincipal,
                SourceAddress = peer.ToString(),
                DestinationWorkload = workload.Name,
                DestinationNamespace = workload.Namespace,
                DestinationPrincipal = destinationPrincipal,
                DestinationService = service?.Hostname,
                UpstreamHost = target.ToString(),
                Requested = requested,
                BytesSent = sent,
                BytesReceived = received,
                Duration = timer.Elapsed,
                Security = peerId is null ? "plaintext" : "mutual_tls",
                Details = guarded.Revoked is { } revoked ? RevokedDetails(revoked) : "-",
                FailedHop = guarded.Revoked is null ? null : $"destination-proxy/{options.Node}",
            });
        }
    }

    /// <summary>
    /// The client's address for policy and attribution: the TCP peer's, or the workload address the source node names in
    /// <c>forwarded: for=</c> when the peer's verified identity is that workload's. A captured workload's tunnel leaves its
    /// node from the node's address (the workload's own address lives in its network namespace), so only the header
    /// carries it; it is believed only for the identity it belongs to.
    /// </summary>
    private IPAddress ClientAddress(HboneRequest request, SpiffeId? peerId, IPAddress peer, MeshState mesh)
    {
        if (peerId is null || mesh.WorkloadsByIp.ContainsKey(peer) || request.GetHeader("forwarded") is not { } forwarded)
        {
            return peer;
        }

        foreach (var element in forwarded.Split([';', ','], StringSplitOptions.TrimEntries))
        {
            if (element.StartsWith("for=", StringComparison.OrdinalIgnoreCase)
                && IPAddress.TryParse(element[4..].Trim('"').TrimStart('[').TrimEnd(']'), out var claimed)
                && mesh.WorkloadsByIp.TryGetValue(claimed, out var named)
                && WorkloadIdentity.Of(named, options.TrustDomain) == peerId)
            {
                return claimed;
            }
        }

        return peer;
    }

    /// <summary>Why an open tunnel may no longer run under the current config and trust; null while it may.</summary>
    private string? Recheck(MeshState mesh, string workloadUid, IPAddress ip, int port, SpiffeId? peerId, IPAddress client)
    {
        if (peerId is { } verified && !trust.Bundles.TryGetRoots(verified.TrustDomain, out _))
        {
            return $"trust domain {verified.TrustDomain} is no longer trusted";
        }

        if (!mesh.Workloads.TryGetValue(workloadUid, out var workload) || !workload.IsServedBy(options.Node))
        {
            return $"workload {workloadUid} is no longer served by node {options.Node}";
        }

        // The same decision that admitted the tunnel at CONNECT, against the config now.
        var verdict = InboundAdmission.Decide(mesh, workload, port, peerId, client, ip, options.TrustDomain);
        return verdict.Allowed ? null : verdict.Reason;
    }

    /// <summary>The access log details of a tunnel closed by a change, with the reason it may no longer run.</summary>
    private static string RevokedDetails(string reason) => AccessLogRecord.ToDetails($"closed_by_config_change: {reason}");

    private async Task RejectAsync(HboneRequest request, int status, string reason, Caller caller, string flags = "-", Workload? destination = null,
        AuthorizationDecision? denial = null)
    {
        logger.LogWarning("HBONE {Status} for {Source} -> {Authority}: {Reason}", status, caller, request.Authority, reason);
        stats.Increment($"inbound.rejected_{status}");
        // The caller's workload, when its verified identity and address agree, so the record lands on the right edge.
        var mesh = state.Current;
        var source = mesh.WorkloadsByIp.GetValueOrDefault(caller.Client ?? caller.Address.Address) is { } byIp &&
                     caller.Identity is { } id && WorkloadIdentity.Of(byIp, options.TrustDomain) == id ? byIp : null;
        // The service the refused port belongs to, so the refusal lands on the same edge as the caller's record.
        var service = destination is not null && ProxyProtocolListener.TryParseAuthority(request.Authority, out var authority)
            ? destination.Services.Where(p => p.Value.Ports.Any(port => port.TargetPort == authority.Port))
                .Select(p => mesh.Services.GetValueOrDefault(p.Key)).FirstOrDefault(s => s is not null)
            : null;
        accessLog.Write(new AccessLogRecord
        {
            Start = DateTimeOffset.UtcNow,
            Direction = "inbound",
            Node = options.Node,
            SourceWorkload = source?.Name,
            SourceNamespace = source?.Namespace,
            SourcePrincipal = caller.Identity?.ToString(),
            SourceAddress = caller.Address.ToString(),
            DestinationWorkload = destination?.Name,
            DestinationNamespace = destination?.Namespace,
            DestinationService = service?.Hostname,
            Requested = request.Authority,
            ResponseFlags = flags,
            Details = denial is not null ? AccessLogRecord.RbacDenied(denial.Policy) : AccessLogRecord.ToDetails($"{status} {reason}"),
            Policy = denial?.Policy,
            FailedHop = status == 503 && flags == "UF" ? $"destination-workload/{request.Authority}" : $"destination-proxy/{options.Node}",
        });
        await request.RejectAsync(status, reason);
    }

    /// <summary>Who is calling: the verified identity (none over plaintext) and the TCP peer.</summary>
    private readonly record struct Caller(SpiffeId? Identity, IPEndPoint Address, IPAddress? Client = null)
    {
        public override string ToString() => Identity?.ToString() ?? $"plaintext {Address.Address}";
    }
}
