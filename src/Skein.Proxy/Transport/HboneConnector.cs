using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Hbone;
using Skein.Proxy.Identity;
using Skein.Proxy.Outbound;
using Skein.Proxy.Pool;
using Skein.Proxy.State;

namespace Skein.Proxy.Transport;

/// <summary>The mesh hop: HBONE (HTTP/2 CONNECT) to the destination workload's address on 15008, over mTLS or, where PeerAuthentication allows, h2c.</summary>
/// <remarks>
/// The source presents its own workload's certificate; the destination must present the certificate of
/// the identity the destination workload runs as, or the hop is refused. Destinations outside the mesh
/// (unknown addresses, and workloads with tunnel_protocol NONE) get plain TCP.
/// </remarks>
public sealed class HboneConnector(
    ProxyOptions options,
    ProxyStateStore state,
    WorkloadCertificates certificates,
    MeshTrust trust,
    HbonePool pool,
    ILogger<HboneConnector> logger) : IDestinationConnector
{
    public const int HbonePort = 15008;
    private static readonly HboneConnectionOptions ConnectionOptions = new() { MaxConcurrentStreams = 100 };

    public async ValueTask<HopStream> ConnectAsync(UpstreamEndpoint endpoint, Workload? source, CancellationToken ct)
    {
        // A workload outside the mesh has no proxy to talk HBONE to: plain TCP to its own address and port.
        if (endpoint.Workload is not { } destination || destination.IsOutsideMesh())
        {
            return new HopStream(await TcpDialer.DialAsync(endpoint.Address, ct), HopSecurity.Passthrough);
        }

        var sourceId = source is null ? (SpiffeId?)null : WorkloadIdentity.Of(source, options.TrustDomain);
        var sourceIp = source is { Addresses.Count: > 0 } ? new IPAddress(source.Addresses[0].Span) : null;
        return await ConnectMeshAsync(endpoint, destination, sourceId, sourceIp, Headers(source), ct);
    }

    /// <summary>Opens a hop on behalf of an identity that is not a workload (a gateway or waypoint: DESIGN §4, identity from the Gateway).</summary>
    public async ValueTask<HopStream> ConnectAsync(UpstreamEndpoint endpoint, SpiffeId source, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        if (endpoint.Workload is not { } destination || destination.IsOutsideMesh())
        {
            return new HopStream(await TcpDialer.DialAsync(endpoint.Address, ct), HopSecurity.Passthrough);
        }

        return await ConnectMeshAsync(endpoint, destination, source, null, headers, ct);
    }

    private async ValueTask<HopStream> ConnectMeshAsync(UpstreamEndpoint endpoint, Workload destination, SpiffeId? sourceId, IPAddress? sourceIp,
        IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var mode = state.Current.MtlsModeFor(destination, endpoint.Address.Port);
        var useTls = mode == MtlsMode.Strict || (mode == MtlsMode.Permissive && sourceId is not null);
        if (useTls && sourceId is null)
        {
            throw new HopException(
                $"{destination.Name}.{destination.Namespace} requires mTLS (PeerAuthentication STRICT) but the caller is not a workload of node {options.Node}, " +
                "so it has no identity to present; connect through the workload's own address (its :15080) or a localhost upstream", retryable: false);
        }

        WorkloadCertificate? certificate = null;
        if (useTls)
        {
            certificate = await certificates.GetAsync(sourceId!.Value, TimeSpan.FromSeconds(5), ct)
                ?? throw new HopException($"no certificate for {sourceId} could be obtained from the control plane", retryable: false);
        }

        var destinationId = WorkloadIdentity.Of(destination, options.TrustDomain);
        var hboneAddress = new IPEndPoint(endpoint.Address.Address, HbonePort);
        if (useTls && !trust.Bundles.TryGetRoots(destinationId.TrustDomain, out _))
        {
            // Checked here too, not only in the handshake: a pooled connection made while the peer was federated must not outlive it.
            throw new HopException($"no trust bundle for trust domain {destinationId.TrustDomain}: {destinationId} cannot be verified", retryable: false);
        }

        // A federated peer's workload behind its mesh's network gateway: the tunnel to it runs inside a tunnel to the gateway.
        var via = destination.NetworkGateway is { } gateway ? await GatewayEndpointAsync(gateway, ct) : null;
        if (via is not null && !useTls)
        {
            throw new HopException(
                $"{destination.Name}.{destination.Namespace} is reached through network gateway {via}, which carries mTLS tunnels only; " +
                "a PeerAuthentication that allows plaintext does not apply across meshes", retryable: false);
        }

        var key = new HbonePoolKey(sourceId?.ToString() ?? "", useTls ? destinationId.ToString() : "", sourceIp, hboneAddress, via);
        for (var attempt = 1; ; attempt++)
        {
            var connection = await pool.GetAsync(key, c => via is null
                ? DialAsync(hboneAddress, sourceIp, certificate, destinationId, c)
                : DialThroughGatewayAsync(via, hboneAddress, sourceIp, certificate!, sourceId!.Value, destinationId, headers, c), ct);
            try
            {
                var stream = await connection.OpenTunnelAsync(endpoint.Authority ?? endpoint.Address.ToString(), headers, ct);
                return new HopStream(stream, useTls ? HopSecurity.Mtls : HopSecurity.Plaintext);
            }
            catch (HboneConnectException e)
            {
                throw new HopException($"the destination node answered {e.Status}{(e.Reason is null ? "" : $": {e.Reason}")}", retryable: e.Status == 503, e.Status);
            }
            catch (IOException) when (attempt < MaxGoAwayRetries && !ct.IsCancellationRequested && (connection.IsDraining || connection.IsClosed))
            {
                // The destination proxy sent GOAWAY (it drains: shutdown or upgrade) before it processed this CONNECT, so
                // the tunnel was never opened: open it on a new connection, which the pool dials (to its successor).
            }
        }
    }

    /// <summary>Tries of one tunnel when the connection it was opened on went away first (GOAWAY or close).</summary>
    private const int MaxGoAwayRetries = 3;

    private async Task<HboneClientConnection> DialAsync(IPEndPoint address, IPAddress? sourceIp, WorkloadCertificate? certificate, SpiffeId expected, CancellationToken ct)
    {
        var network = await TcpDialer.DialAsync(address, ct, sourceIp);
        if (certificate is null)
        {
            logger.LogInformation("plaintext (h2c) HBONE connection to {Address}: the destination's PeerAuthentication allows it; no encryption", address);
            return await HboneClientConnection.StartAsync(network, ConnectionOptions, ct);
        }

        return await StartTlsAsync(network, address, certificate, expected, ct);
    }

    /// <summary>
    /// Double HBONE (as Istio's multi-network ambient does it): an outer mTLS tunnel to the peer mesh's network gateway, which
    /// relays it to the destination's node proxy (authority <c>ip:15008</c>), and inside it the ordinary HBONE connection,
    /// whose TLS authenticates the destination end to end. The gateway only has to prove it belongs to the peer's trust domain.
    /// </summary>
    private async Task<HboneClientConnection> DialThroughGatewayAsync(IPEndPoint gateway, IPEndPoint destination, IPAddress? sourceIp, WorkloadCertificate certificate,
        SpiffeId sourceId, SpiffeId destinationId, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var gatewayDomain = SpiffeId.Parse($"spiffe://{destinationId.TrustDomain}");
        var outerKey = new HbonePoolKey(sourceId.ToString(), gatewayDomain.ToString(), sourceIp, gateway);
        var outer = await pool.GetAsync(outerKey, c => DialAsync(gateway, sourceIp, certificate, gatewayDomain, c), ct);
        HboneStream relayed;
        try
        {
            relayed = await outer.OpenTunnelAsync(destination.ToString(), headers, ct);
        }
        catch (HboneConnectException e)
        {
            throw new HopException($"network gateway {gateway} answered {e.Status}{(e.Reason is null ? "" : $": {e.Reason}")}", retryable: e.Status == 503, e.Status);
        }

        try
        {
            return await StartTlsAsync(relayed, destination, certificate, destinationId, ct);
        }
        catch
        {
            await relayed.DisposeAsync();
            throw;
        }
    }

    /// <summary>A network gateway's HBONE endpoint: its address, or its DNS name resolved now.</summary>
    private static async ValueTask<IPEndPoint> GatewayEndpointAsync(GatewayAddress gateway, CancellationToken ct)
    {
        var port = gateway.HboneMtlsPort == 0 ? HbonePort : (int)gateway.HboneMtlsPort;
        if (gateway.Address is { Address.Length: 4 or 16 } network)
        {
            return new IPEndPoint(new IPAddress(network.Address.Span), port);
        }

        var name = gateway.Hostname?.Hostname ?? "";
        try
        {
            var resolved = name.Length == 0 ? [] : await Dns.GetHostAddressesAsync(name, ct);
            return resolved.Length > 0
                ? new IPEndPoint(resolved[0], port)
                : throw new HopException($"network gateway \"{name}\" has no address", retryable: false);
        }
        catch (SocketException e)
        {
            throw new HopException($"network gateway \"{name}\" could not be resolved: {e.Message}", retryable: false);
        }
    }

    /// <summary>mTLS (ALPN h2, no SNI) over <paramref name="transport"/>, then HTTP/2; the peer must present <paramref name="expected"/> (or, for a trust domain alone, any identity in it).</summary>
    private async Task<HboneClientConnection> StartTlsAsync(Stream transport, IPEndPoint address, WorkloadCertificate certificate, SpiffeId expected, CancellationToken ct)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        string? refusal = null;
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "", // HBONE sends no SNI: the destination address picks the certificate
                EnabledSslProtocols = MeshTrust.Protocols,
                ApplicationProtocols = MeshTrust.Alpn,
                ClientCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, [.. certificate.Chain], offline: true),
                RemoteCertificateValidationCallback = (_, cert, chain, _) =>
                {
                    var result = trust.Validate(cert, chain);
                    refusal = !result.IsValid ? result.Message : !Matches(result.Id, expected) ? $"it presented {result.Id}, expected {expected}" : null;
                    return refusal is null;
                },
            }, ct);
            if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
            {
                throw new HopException($"{address} did not negotiate ALPN h2", retryable: true);
            }

            return await HboneClientConnection.StartAsync(tls, ConnectionOptions, ct);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            await tls.DisposeAsync();
            var reason = refusal is null ? e.Message : $"refused the destination's certificate: {refusal}";
            logger.LogWarning("mTLS to {Address} failed: {Reason}", address, reason);
            // Another endpoint may well be genuine: let the caller try it.
            throw new HopException($"mTLS handshake with {address} failed: {reason}", retryable: true);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private static bool Matches(SpiffeId presented, SpiffeId expected) =>
        expected.Path.Length == 0 ? presented.TrustDomain == expected.TrustDomain : presented == expected;

    // The headers depend only on the source workload (an immutable xDS snapshot object): formatted once per workload,
    // not per connection.
    private static readonly ConditionalWeakTable<Workload, IReadOnlyList<KeyValuePair<string, string>>> HeadersBySource = new();

    /// <summary>Istio's HBONE request headers: where the connection came from, and who sent it (baggage).</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> Headers(Workload? source) =>
        source is null ? [] : HeadersBySource.GetValue(source, static s => BuildHeaders(s));

    private static List<KeyValuePair<string, string>> BuildHeaders(Workload source)
    {
        var headers = new List<KeyValuePair<string, string>>(2);
        if (source is { Addresses.Count: > 0 })
        {
            headers.Add(new("forwarded", $"for={FormatFor(new IPAddress(source.Addresses[0].Span))}"));
            headers.Add(new("baggage",
                $"k8s.cluster.name={source.ClusterId},k8s.namespace.name={source.Namespace},k8s.pod.name={source.Name}," +
                $"service.name={source.CanonicalName},service.version={source.CanonicalRevision}"));
        }

        return headers;
    }

    private static string FormatFor(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"\"[{ip}]\"" : ip.ToString();
}
