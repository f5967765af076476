using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Skein;
using Skein.Proxy.Capture;
using Skein.Proxy.L7.Configuration;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.L7.Listeners.Transport;
using Skein.Proxy.L7.Routing;
using Skein.Proxy.Outbound;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Listeners;

/// <summary>TLS passthrough and TCP listeners: plain sockets, routed by SNI (TLS) or to the first route (TCP), bytes copied untouched.</summary>
public sealed class StreamEndpointFactory(
    ProxyOptions options,
    L7ConfigStore store,
    BackendResolver resolver,
    UpstreamClients upstreams,
    AccessLog accessLog,
    ProxyStats stats,
    Lifecycle.ListenerRegistry registry,
    ILogger<StreamEndpointFactory> logger)
{
    private static readonly TimeSpan ClientHelloTimeout = TimeSpan.FromSeconds(10);

    public IEndpointServer Start(IPEndPoint endPoint, BindingKind kind) =>
        new SocketEndpoint(registry.Start(HttpEndpointFactory.ListenerKind, endPoint, (socket, ct) => ServeAsync(socket, endPoint, ct), logger), kind);

    private async Task ServeAsync(Socket socket, IPEndPoint endPoint, CancellationToken ct)
    {
        var start = DateTimeOffset.UtcNow;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var peer = socket.RemoteEndPoint?.ToString();
        if (store.Current.Bindings.GetValueOrDefault(endPoint) is not { } binding)
        {
            return;
        }

        string? sni = null;
        ListenerRuntime? listener;
        StreamRoute? route;
        if (binding.Kind == BindingKind.Tls)
        {
            using var hello = CancellationTokenSource.CreateLinkedTokenSource(ct);
            hello.CancelAfter(ClientHelloTimeout);
            sni = await ClientHelloReader.PeekServerNameAsync(socket, hello.Token);
            listener = sni is null ? null : binding.Select(sni);
            route = listener is null ? null : SelectTlsRoute(listener, sni!);
        }
        else
        {
            listener = binding.Listeners[0];
            route = listener.Proto.StreamRoutes.FirstOrDefault();
        }

        var backend = route is null ? null : BackendPicker.Pick(route.Backends, b => b.Weight, Random.Shared);
        if (listener is null || route is null || backend?.Backend is null)
        {
            Log(start, timer, endPoint, peer, sni, listener, null, "NR", route is null ? "no_matching_route" : "no_backend", 0, 0);
            stats.Increment("l7.stream.no_route");
            return;
        }

        if (backend.Backend.InvalidReason.Length > 0 || resolver.Resolve(backend.Backend) is not { Endpoint: { } target } resolution)
        {
            Log(start, timer, endPoint, peer, sni, listener, null, "UH", backend.Backend.InvalidReason.Length > 0 ? backend.Backend.InvalidReason : "no_healthy_upstream", 0, 0);
            return;
        }

        Stream upstream;
        try
        {
            upstream = await upstreams.ConnectAsync(listener.Gateway, target, ct);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            Log(start, timer, endPoint, peer, sni, listener, target, "UF", e.Message, 0, 0);
            return;
        }

        await using (upstream)
        {
            await using var client = new NetworkStream(socket, ownsSocket: false);
            var (sent, received) = await BidirectionalCopy.RunAsync(client, upstream, default, default, ct);
            Log(start, timer, endPoint, peer, sni, listener, target, "-", resolution.Service?.Hostname ?? "-", sent, received);
        }
    }

    /// <summary>A waypoint tunnel to a non-HTTP service port: forward its bytes to the listener's stream route.</summary>
    public async Task RelayAsync(StreamConnection connection, ListenerRuntime listener, int port, CancellationToken ct)
    {
        var start = DateTimeOffset.UtcNow;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var endPoint = connection.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.Any, port);
        var peer = connection.RemoteEndPoint?.ToString();
        await using (connection)
        {
            var route = listener.Proto.StreamRoutes[0];
            var backend = BackendPicker.Pick(route.Backends, b => b.Weight, Random.Shared);
            if (backend?.Backend is not { InvalidReason.Length: 0 } reference || resolver.Resolve(reference) is not { Endpoint: { } target } resolution)
            {
                Log(start, timer, endPoint, peer, null, listener, null, "UH", "no_healthy_upstream", 0, 0);
                return;
            }

            Stream upstream;
            try
            {
                upstream = await upstreams.ConnectAsync(listener.Gateway, target, ct);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                Log(start, timer, endPoint, peer, null, listener, target, "UF", e.Message, 0, 0);
                return;
            }

            await using (upstream)
            {
                var client = new DuplexPipeStream(connection.Transport);
                var (sent, received) = await BidirectionalCopy.RunAsync(client, upstream, default, default, ct);
                Log(start, timer, endPoint, peer, null, listener, target, "-", resolution.Service?.Hostname ?? "-", sent, received);
            }
        }
    }

    private static StreamRoute? SelectTlsRoute(ListenerRuntime listener, string sni)
    {
        StreamRoute? best = null;
        var bestScore = HostnameMatcher.NoMatch;
        foreach (var route in listener.Proto.StreamRoutes)
        {
            var score = HostnameMatcher.Score(route.Hostnames, sni);
            if (score > bestScore)
            {
                (best, bestScore) = (route, score);
            }
        }

        return best;
    }

    private void Log(DateTimeOffset start, System.Diagnostics.Stopwatch timer, IPEndPoint endPoint, string? peer, string? sni, ListenerRuntime? listener,
        UpstreamEndpoint? target, string flags, string details, long sent, long received) =>
        accessLog.Write(new AccessLogRecord
        {
            Start = start,
            Direction = options.Role,
            Node = options.Node,
            SourceAddress = peer,
            SourceWorkload = listener?.Gateway.Proto.Name,
            SourceNamespace = listener?.Gateway.Proto.Namespace,
            SourcePrincipal = listener?.Gateway.Identity?.ToString(),
            DestinationWorkload = target?.Workload?.Name,
            DestinationNamespace = target?.Workload?.Namespace,
            UpstreamHost = target?.Address.ToString(),
            Requested = sni is { Length: > 0 } ? $"{sni} via {endPoint}" : endPoint.ToString(),
            BytesSent = sent,
            BytesReceived = received,
            Duration = timer.Elapsed,
            ResponseFlags = flags,
            Details = AccessLogRecord.ToDetails(details),
            FailedHop = flags is "-" ? null : $"{options.Role}/{options.Node}",
        });

    private sealed class SocketEndpoint(SocketListener listener, BindingKind kind) : IEndpointServer
    {
        public BindingKind Kind => kind;

        public ValueTask DisposeAsync() => listener.DisposeAsync();
    }
}
