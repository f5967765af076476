using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Proxy.Capture;
using Skein.Proxy.Hbone;
using Skein.Proxy.Identity;
using Skein.Proxy.L7.Authorization;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners.Transport;
using Skein.Proxy.Policy;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>A waypoint's HBONE port: terminates mTLS with the waypoint's identity, accepts CONNECT to a governed service, and feeds the tunnel to Kestrel as an HTTP connection.</summary>
/// <remarks>
/// The tunnel's bytes are the client's own HTTP (HTTP/1.1 or h2c), so after the 200 the stream becomes a
/// Kestrel connection (through <see cref="InjectedConnectionListenerFactory"/>) and runs the same L7
/// pipeline as a gateway listener, with the service governing the destination as its listener and the
/// destination port as the request's port. The destination is reached again over HBONE by the pipeline.
/// </remarks>
public sealed class WaypointInbound(
    L7ConfigStore store,
    ProxyStateStore state,
    WorkloadCertificates certificates,
    MeshTrust trust,
    GatewayRequestHandler handler,
    StreamEndpointFactory streams,
    ProxyStats stats,
    Lifecycle.ListenerRegistry registry,
    Inbound.ConnectionGuard guard,
    ILoggerFactory loggerFactory,
    ILogger<WaypointInbound> logger) : IAsyncDisposable
{
    /// <summary>The hand-over kind of a waypoint's HBONE port.</summary>
    public const string ListenerKind = "hbone";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<HboneServerConnection, byte> _open = new();
    private volatile bool _draining;
    private int _opening;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly InjectedConnectionListenerFactory _injected = new();
    private readonly InjectedEndPoint _http1 = new("waypoint/http1");
    private readonly InjectedEndPoint _http2 = new("waypoint/h2c");
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private WebApplication? _server;

    public async Task<IEndpointServer> StartAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        await EnsureServerAsync(ct);
        var listener = registry.Start(ListenerKind, endPoint, (socket, token) => ServeAsync(socket, endPoint, token), logger);
        return new HboneEndpoint(listener);
    }

    /// <summary>A drain: GOAWAY on every HBONE connection (and any accepted from now on), so clients open new tunnels
    /// elsewhere; the HTTP connections inside open tunnels get Kestrel's graceful stop (<c>Connection: close</c>, GOAWAY).</summary>
    public async Task StopGracefullyAsync(CancellationToken cut)
    {
        _draining = true;
        var told = 0;
        foreach (var connection in _open.Keys)
        {
            told++;
            _ = ShutdownQuietlyAsync(connection);
        }

        if (_server is { } server)
        {
            logger.LogInformation("draining: GOAWAY on {Count} inbound HBONE connections", told);
            try
            {
                // Tunnels accepted before the GOAWAY may still be on their way to Kestrel, which takes no connection once
                // stopping: let them arrive first (GOAWAY refuses newer ones). Bounded, as a client may open a tunnel and
                // send nothing; the others' graceful stop should not wait for it.
                using (var arriving = CancellationTokenSource.CreateLinkedTokenSource(cut))
                {
                    arriving.CancelAfter(TimeSpan.FromSeconds(2));
                    while (Volatile.Read(ref _opening) > 0 && !arriving.IsCancellationRequested)
                    {
                        await Task.Delay(10, CancellationToken.None);
                    }
                }

                await server.StopAsync(cut);
            }
            catch (OperationCanceledException)
            {
            }
        }
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

    private async Task EnsureServerAsync(CancellationToken ct)
    {
        await _startGate.WaitAsync(ct);
        try
        {
            if (_server is not null)
            {
                return;
            }

            var app = HttpEndpointFactory.CreateApp(_injected, loggerFactory, k =>
            {
                k.Listen(_http1, l => l.Protocols = HttpProtocols.Http1);
                k.Listen(_http2, l => l.Protocols = HttpProtocols.Http2);
            });
            app.Run(context =>
            {
                // Kestrel falls back to the connection's features for what a request does not have itself.
                var destination = context.Features.Get<TunnelDestination>();
                return handler.HandleAsync(context, destination?.Binding, destination?.Port ?? 0);
            });
            await app.StartAsync(ct);
            _server = app;
        }
        finally
        {
            _startGate.Release();
        }
    }

    private async Task ServeAsync(Socket socket, IPEndPoint endPoint, CancellationToken ct)
    {
        var peer = (IPEndPoint)socket.RemoteEndPoint!;
        if (store.Current.HboneEndPoints.GetValueOrDefault(endPoint) is not { Identity: { } identity })
        {
            return;
        }

        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(HandshakeTimeout);
        var tls = await AuthenticateAsync(new NetworkStream(socket, ownsSocket: false), identity, peer, handshake.Token);
        if (tls is null)
        {
            stats.Increment("waypoint.tls_handshake_failed");
            return;
        }

        await using var server = new HboneServerConnection(tls.Value.Stream);
        _open[server] = 0;
        // The connection's identity was verified against its trust domain's bundle: if that domain is unfederated, the
        // connection (and every request on it) ends; each request is still authorized on its own as it arrives.
        var peerId = tls.Value.PeerId;
        using var guarded = guard.Track($"waypoint connection from {peerId} at {peer}",
            mesh => trust.Bundles.TryGetRoots(peerId.TrustDomain, out _) ? null : $"trust domain {peerId.TrustDomain} is no longer trusted", ct);
        try
        {
            var run = server.RunAsync(request => HandleTunnelAsync(request, tls.Value.PeerId, peer, guarded.Token), guarded.Token);
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

    private async Task<(SslStream Stream, SpiffeId PeerId)?> AuthenticateAsync(NetworkStream network, SpiffeId identity, IPEndPoint peer, CancellationToken ct)
    {
        if (await certificates.GetAsync(identity, TimeSpan.FromSeconds(5), ct) is not { } certificate)
        {
            logger.LogWarning("HBONE from {Peer} refused: no certificate for {Identity} yet", peer, identity);
            await network.DisposeAsync();
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
            logger.LogWarning("HBONE mTLS from {Peer} refused: {Reason}", peer, verdict is { IsValid: false } v ? v.ToString() : e.Message);
            await tls.DisposeAsync();
            return null;
        }

        if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2 || verdict is not { IsValid: true })
        {
            await tls.DisposeAsync();
            return null;
        }

        return (tls, verdict.Id);
    }

    private async Task HandleTunnelAsync(HboneRequest request, SpiffeId peerId, IPEndPoint peer, CancellationToken ct)
    {
        Interlocked.Increment(ref _opening);
        var opened = false;
        try
        {
            await OpenTunnelAsync(request, peerId, peer, () =>
            {
                opened = true;
                Interlocked.Decrement(ref _opening);
            }, ct);
        }
        finally
        {
            if (!opened)
            {
                Interlocked.Decrement(ref _opening);
            }
        }
    }

    /// <summary>Checks and accepts one CONNECT and serves its tunnel; <paramref name="handedOff"/> runs once the tunnel reached Kestrel or its relay.</summary>
    private async Task OpenTunnelAsync(HboneRequest request, SpiffeId peerId, IPEndPoint peer, Action handedOff, CancellationToken ct)
    {
        if (!trust.Bundles.TryGetRoots(peerId.TrustDomain, out _))
        {
            // The caller's trust domain was unfederated after this connection's handshake: its SVID no longer counts.
            await request.RejectAsync(401, $"trust domain {peerId.TrustDomain} is no longer trusted");
            return;
        }

        if (request.Method != "CONNECT" || !ProxyProtocolListener.TryParseAuthority(request.Authority, out var destination) || destination.Ip is null)
        {
            await request.RejectAsync(400, $"expected CONNECT to ip:port, got {request.Method} {request.Authority}");
            return;
        }

        var (serviceKey, servicePort) = GovernedService(state.Current, destination.Ip, destination.Port);
        if (serviceKey is null || store.Current.Services.GetValueOrDefault(L7Config.ServicePortKey(serviceKey, servicePort)) is not { } binding)
        {
            stats.Increment("waypoint.unknown_destination");
            await request.RejectAsync(503, $"{request.Authority} is not a service this waypoint governs");
            return;
        }

        if (AuthorizeTunnel(state.Current, binding, destination.Ip, destination.Port, serviceKey, servicePort, peerId, peer) is { Allowed: false } denial)
        {
            stats.Increment("waypoint.denied_policy");
            logger.LogWarning("HBONE 401 for {Identity} -> {Authority}: {Reason}", peerId, request.Authority, denial.Reason);
            await request.RejectAsync(401, denial.Reason);
            return;
        }

        stats.Increment("waypoint.tunnels_total");
        logger.LogDebug("HBONE tunnel from {Peer} ({Identity}) to {Service} port {Port}", peer, peerId, serviceKey, destination.Port);
        var tunnel = await request.AcceptAsync(cancellationToken: ct);
        var connection = new StreamConnection(tunnel, new IPEndPoint(destination.Ip, destination.Port), peer);
        connection.Features.Set(new TunnelDestination(binding, servicePort));
        connection.Features.Set(new PeerIdentityFeature(peerId));
        connection.Features.Set(new Observability.TunnelPeerFeature(peerId, ForwardedFor(request.GetHeader("forwarded"))));
        if (binding.Listeners[0].Proto.StreamRoutes.Count > 0 && binding.Listeners[0].Proto.HttpRoutes.Count == 0)
        {
            handedOff();
            await streams.RelayAsync(connection, binding.Listeners[0], destination.Port, ct);
            return;
        }

        var http2 = await Http2Preface.DetectAsync(connection.Transport.Input, ct);
        var injected = _injected.TryInject(http2 ? _http2 : _http1, connection);
        handedOff();
        if (!injected)
        {
            await connection.DisposeAsync();
            return;
        }

        await connection.Completion.WaitAsync(ct);
    }

    /// <summary>
    /// L4 AuthorizationPolicy for a tunnel, as the destination's node proxy would apply it to the original client (that node trusts
    /// the waypoint's traffic instead of checking it again). Policies this waypoint enforces per request are left to the L7 check.
    /// A service VIP is checked against every endpoint of the service, so a client no endpoint would accept is refused here.
    /// </summary>
    private static AuthorizationDecision? AuthorizeTunnel(MeshState mesh, PortBinding binding, IPAddress ip, int port, string serviceKey, int servicePort,
        SpiffeId peerId, IPEndPoint peer)
    {
        var listener = binding.Listeners[0];
        var enforcedAtL7 = listener.PoliciesEnforcedPerRequest;
        if (mesh.WorkloadsByIp.TryGetValue(ip, out var workload))
        {
            return AuthorizationEvaluator.Evaluate(mesh, workload, new ConnectionAttributes(peerId, peer.Address, ip, port), enforcedAtL7);
        }

        AuthorizationDecision? last = null;
        foreach (var endpoint in mesh.EndpointsByService.GetValueOrDefault(serviceKey) ?? [])
        {
            var target = endpoint.Services.TryGetValue(serviceKey, out var ports) ? ports.Ports.FirstOrDefault(p => p.ServicePort == servicePort)?.TargetPort ?? 0 : 0;
            var address = endpoint.Addresses.Count > 0 ? new IPAddress(endpoint.Addresses[0].Span) : IPAddress.None;
            last = AuthorizationEvaluator.Evaluate(mesh, endpoint, new ConnectionAttributes(peerId, peer.Address, address, target == 0 ? servicePort : (int)target), enforcedAtL7);
            if (!last.Allowed)
            {
                return last;
            }
        }

        return last;
    }

    /// <summary>The original source in an HBONE <c>forwarded: for=ip</c> header (RFC 7239), or null.</summary>
    public static IPAddress? ForwardedFor(string? forwarded)
    {
        if (forwarded is null)
        {
            return null;
        }

        foreach (var pair in forwarded.Split([';', ','], StringSplitOptions.TrimEntries))
        {
            if (pair.StartsWith("for=", StringComparison.OrdinalIgnoreCase))
            {
                var value = pair[4..].Trim('"').TrimStart('[');
                var end = value.IndexOf(']', StringComparison.Ordinal);
                return IPAddress.TryParse(end >= 0 ? value[..end] : value, out var ip) ? ip : null;
            }
        }

        return null;
    }

    /// <summary>The service (and its port) a tunnel's destination belongs to: a service VIP and port, or a workload address and target port.</summary>
    private static (string? Service, int Port) GovernedService(MeshState mesh, IPAddress ip, int port)
    {
        if (mesh.ServicesByVip.TryGetValue(ip, out var service))
        {
            return (MeshState.ServiceKey(service), port);
        }

        if (mesh.WorkloadsByIp.TryGetValue(ip, out var workload))
        {
            foreach (var (key, ports) in workload.Services)
            {
                if (ports.Ports.FirstOrDefault(p => p.TargetPort == port || (p.TargetPort == 0 && p.ServicePort == port)) is { } match)
                {
                    return (key, (int)match.ServicePort);
                }
            }
        }

        return (null, 0);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
    }

    /// <summary>The governed service port a tunnel was opened to, carried on its Kestrel connection.</summary>
    private sealed record TunnelDestination(PortBinding Binding, int Port);

    private sealed class HboneEndpoint(SocketListener listener) : IEndpointServer
    {
        public BindingKind Kind => BindingKind.Hbone;

        public ValueTask DisposeAsync() => listener.DisposeAsync();
    }
}
