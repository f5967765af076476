using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Transport;

namespace Skein.Proxy.L7.Forwarding;

/// <summary>The hops from a gateway to its backends: an <see cref="HttpMessageInvoker"/> per gateway identity whose connections are HBONE streams.</summary>
/// <remarks>
/// YARP forwards to "http://endpoint-ip:port"; the handler's ConnectCallback turns that endpoint into an
/// HBONE tunnel to the endpoint's node proxy, presenting the Gateway's SPIFFE identity (or a plain TCP
/// connection when the address is not a mesh workload). One handler per identity keeps pooled
/// connections from being shared across identities. A configuration push retires the handlers it no longer
/// references (<see cref="Retain"/>), so rotated CAs and client certificates do not leave handlers and their
/// pooled connections behind.
/// </remarks>
public sealed class UpstreamClients(HboneConnector connector, ProxyStateStore state, ProxyOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<BackendTls, HttpMessageInvoker> _byTls = new();
    private readonly ConcurrentDictionary<HttpMessageInvoker, byte> _retiring = new();

    /// <summary>The request option carrying a Service's connect timeout to the connection it starts.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeoutOption = new("skein.connect_timeout");

    /// <summary>How long a retired handler stays usable: requests of the replaced configuration may still look it up (a retry, a mirror).</summary>
    public TimeSpan RetiredClientGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The client for requests from <paramref name="gateway"/> to a backend, originating TLS inside the hop when a
    /// BackendTLSPolicy governs it (<paramref name="tls"/>). Connections are pooled per identity and TLS settings, so a
    /// connection verified for one policy never carries another policy's requests.
    /// </summary>
    public HttpMessageInvoker For(GatewayRuntime gateway, BackendTls? tls = null)
    {
        if (tls is null)
        {
            return _clients.GetOrAdd(gateway.IdentityText ?? "", static (_, state) => state.Clients.Create(state.Gateway, null), (Clients: this, Gateway: gateway));
        }

        // A BackendTls message belongs to one Gateway's configuration: remembering its client spares the per-request key.
        return _byTls.TryGetValue(tls, out var known) ? known : ForTls(gateway, tls);
    }

    // Kept apart from For so the per-request path allocates no closure.
    private HttpMessageInvoker ForTls(GatewayRuntime gateway, BackendTls tls)
    {
        return _byTls.GetValue(tls, t =>
        {
            var settings = BackendTlsSettings.For(t);
            return _clients.GetOrAdd(TlsKey(gateway, settings), _ => Create(gateway, settings));
        });
    }

    private static string TlsKey(GatewayRuntime gateway, BackendTlsSettings settings) =>
        $"{gateway.IdentityText}|{settings.Key}|{gateway.BackendClientCertificate?.Thumbprint}";

    /// <summary>
    /// Retires the handlers <paramref name="config"/> (just switched in) no longer uses: a Gateway gone, a BackendTLSPolicy's
    /// CA or names changed, the Gateway's client certificate rotated. They leave the lookup at once and are disposed after
    /// <see cref="RetiredClientGrace"/>; exchanges already under way keep their connections, which a disposed
    /// SocketsHttpHandler closes when they end (idle ones at once).
    /// </summary>
    public void Retain(L7Config config)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gateway in config.Gateways)
        {
            wanted.Add(gateway.IdentityText ?? "");
            foreach (var tls in BackendTlsOf(gateway.Proto))
            {
                wanted.Add(TlsKey(gateway, BackendTlsSettings.For(tls)));
            }
        }

        var retired = new HashSet<HttpMessageInvoker>();
        foreach (var key in _clients.Keys.Where(k => !wanted.Contains(k)))
        {
            if (_clients.TryRemove(key, out var client))
            {
                retired.Add(client);
            }
        }

        // A request of the old configuration asking again after the grace gets a fresh handler, not a disposed one.
        var stale = ((IEnumerable<KeyValuePair<BackendTls, HttpMessageInvoker>>)_byTls).Where(p => retired.Contains(p.Value)).Select(p => p.Key).ToList();
        foreach (var tls in stale)
        {
            _byTls.Remove(tls);
        }

        foreach (var client in retired)
        {
            _retiring.TryAdd(client, 0);
            _ = DisposeAfterGraceAsync(client);
        }
    }

    private async Task DisposeAfterGraceAsync(HttpMessageInvoker client)
    {
        await Task.Delay(RetiredClientGrace);
        client.Dispose();
        _retiring.TryRemove(client, out _);
    }

    // Every BackendTls in a Gateway (route backends, mirror filters, per-backend filters). Walked by descriptor rather than
    // by field so a backend reference added to the proto later is not missed; this runs once per push, not per request.
    private static IEnumerable<BackendTls> BackendTlsOf(IMessage message)
    {
        if (message is BackendTls tls)
        {
            yield return tls;
            yield break;
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            IEnumerable<object?> children = value switch
            {
                IDictionary map => map.Values.Cast<object?>(),
                IList list => list.Cast<object?>(),
                _ => [value],
            };
            foreach (var child in children.OfType<IMessage>())
            {
                foreach (var found in BackendTlsOf(child))
                {
                    yield return found;
                }
            }
        }
    }

    /// <summary>A raw byte stream to an endpoint, for TCP and TLS passthrough routes.</summary>
    public async Task<Stream> ConnectAsync(GatewayRuntime gateway, UpstreamEndpoint endpoint, CancellationToken ct) =>
        (await HopAsync(gateway, endpoint, ct)).Stream;

    private async Task<HopStream> HopAsync(GatewayRuntime gateway, UpstreamEndpoint endpoint, CancellationToken ct)
    {
        endpoint = ViaWaypoint(endpoint);
        if (gateway.Identity is { } identity)
        {
            return await connector.ConnectAsync(endpoint, identity, Baggage(gateway), ct);
        }

        return await connector.ConnectAsync(endpoint, source: null, ct);
    }

    /// <summary>
    /// An ingress gateway sends traffic for a waypoint-governed destination through that waypoint (asking it for the endpoint),
    /// so the waypoint's routes and policy apply and the destination, which refuses bypasses, accepts it. A waypoint itself
    /// forwards to its destinations directly.
    /// </summary>
    private UpstreamEndpoint ViaWaypoint(UpstreamEndpoint endpoint)
    {
        if (options.Role != "gateway" || endpoint is not { Workload: { } workload, Authority: null })
        {
            return endpoint;
        }

        var mesh = state.Current;
        return WaypointRedirect.GoverningWaypoint(mesh, workload, endpoint.Address.Port) is { Addresses.Count: > 0 } waypoint
            ? new UpstreamEndpoint(new IPEndPoint(new IPAddress(waypoint.Addresses[0].Span), endpoint.Address.Port), waypoint, endpoint.Address.ToString())
            : endpoint;
    }

    private HttpMessageInvoker Create(GatewayRuntime gateway, BackendTlsSettings? tls)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            // YARP's recommendation: traceparent and friends pass through as the client sent them.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            ConnectTimeout = TcpDialer.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectCallback = async (context, ct) =>
            {
                var address = IPAddress.Parse(context.DnsEndPoint.Host);
                var workload = state.Current.WorkloadsByIp.GetValueOrDefault(address);
                // A TrafficPolicy's connectTimeout is per Service, the handler's per Gateway: the request that starts the connection carries it.
                using var limit = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeoutOption, out var timeout)
                    ? CancellationTokenSource.CreateLinkedTokenSource(ct)
                    : null;
                limit?.CancelAfter(timeout);
                var hop = await HopAsync(gateway, new UpstreamEndpoint(new IPEndPoint(address, context.DnsEndPoint.Port), workload), limit?.Token ?? ct);
                // The handler pools HTTP/1.1 and HTTP/2 connections apart, so the request that opens one says which ALPN to offer.
                return tls is null
                    ? hop.Stream
                    : await tls.ConnectAsync(hop.Stream, gateway.BackendClientCertificate, context.InitialRequestMessage.Version.Major >= 2, limit?.Token ?? ct);
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static List<KeyValuePair<string, string>> Baggage(GatewayRuntime gateway) =>
        [new("baggage", $"k8s.namespace.name={gateway.Proto.Namespace},k8s.deployment.name={gateway.Proto.Name},service.name={gateway.Proto.Name},service.version=latest")];

    public void Dispose()
    {
        foreach (var client in _clients.Values.Concat(_retiring.Keys))
        {
            client.Dispose();
        }
    }
}
