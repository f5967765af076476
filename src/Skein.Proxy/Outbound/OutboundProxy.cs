using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Workload;
using Skein.Proxy.LoadBalancing;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Transport;

namespace Skein.Proxy.Outbound;

/// <summary>The outbound data path: resolve, pick an endpoint, connect over the hop connector, relay bytes.</summary>
public sealed class OutboundProxy(
    DestinationResolver resolver,
    PeakEwmaBalancer balancer,
    EndpointPicker picker,
    IDestinationConnector connector,
    ProxyStats stats,
    TcpMetrics metrics,
    AccessLog accessLog,
    ProxyOptions options,
    Skein.Proxy.State.ProxyStateStore state,
    ILogger<OutboundProxy> logger)
{
    private const int MaxConnectAttempts = 3;

    public async Task<OutboundConnection> OpenAsync(Destination destination, Workload? source, CancellationToken ct)
    {
        var resolved = await resolver.ResolveAsync(destination, source?.Namespace, ct);
        if (resolved.Error != OutboundError.None)
        {
            stats.Increment($"outbound.{resolved.Error.ToString().ToLowerInvariant()}");
            logger.LogWarning("outbound to {Destination} refused: {Detail}", destination, resolved.Detail);
            LogRefusal(destination, source, resolved, null, resolved.Error == OutboundError.NoEndpoints ? "UH" : "NR", resolved.Detail, $"source-proxy/{options.Node}");
            return new OutboundConnection(resolved, null, null, resolved.Error, resolved.Detail);
        }

        // A destination that uses a waypoint is reached through it: one hop, to the waypoint, for the original destination.
        resolved = WaypointRedirect.Apply(state.Current, resolved) ?? resolved;
        var cluster = resolved.Cluster;
        var counters = stats.Cluster(cluster);
        var tried = new HashSet<string>(StringComparer.Ordinal);
        Exception? last = null;
        for (var attempt = 0; attempt < Math.Min(MaxConnectAttempts, resolved.Endpoints.Count); attempt++)
        {
            // The caller's own locality, else this node's (a workload without one is where its node is).
            var endpoint = picker.Pick(resolved.Service, resolved.Endpoints, source?.Locality ?? options.Locality, tried);
            tried.Add(endpoint.Key);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var hop = await connector.ConnectAsync(endpoint, source, ct);
                balancer.Observe(endpoint, Stopwatch.GetElapsedTime(started));
                counters.Secured(hop.Security).Add(1);
                return new OutboundConnection(resolved, endpoint, hop, OutboundError.None, "");
            }
            catch (HopException e) when (!e.Retryable)
            {
                counters.Refused.Add(1);
                logger.LogWarning("hop to {Endpoint} for {Cluster} refused: {Error}", endpoint.Address, cluster, e.Message);
                var error = e.Status == 401 ? OutboundError.Denied : OutboundError.ConnectFailed;
                LogRefusal(destination, source, resolved, endpoint, e.Status == 401 ? "-" : "UF", e.Message,
                    e.Status is null ? $"source-proxy/{options.Node}" : $"destination-proxy/{endpoint.Workload?.Node}");
                return new OutboundConnection(resolved, endpoint, null, error, $"{endpoint.Workload?.Name ?? endpoint.Address.ToString()}: {e.Message}");
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                last = e;
                balancer.Failed(endpoint);
                counters.ConnectFail.Add(1);
                logger.LogWarning("connect to {Endpoint} for {Cluster} failed: {Error}", endpoint.Address, cluster, e.Message);
            }
        }

        var detail = $"could not connect to any endpoint of {cluster} ({tried.Count} tried): {last?.Message}";
        LogRefusal(destination, source, resolved, null, tried.Count > 1 ? "UF,URX" : "UF", detail,
            last is HopException { Status: not null } ? "destination-proxy" : "connect-to-destination");
        return new OutboundConnection(resolved, null, null, OutboundError.ConnectFailed, detail);
    }

    /// <summary>Relays bytes both ways until both sides finish, and counts them under the destination's cluster.</summary>
    public async Task RelayAsync(Stream client, OutboundConnection connection, Workload? source, CancellationToken ct)
    {
        var cluster = connection.Resolved.Cluster;
        var endpoint = connection.Endpoint!;
        var mutualTls = connection.Hop!.Security == HopSecurity.Mtls;
        var sourcePrincipal = mutualTls && source is not null ? Principal(source) : null;
        var destinationPrincipal = mutualTls && endpoint.Workload is { } destination ? Principal(destination) : null;
        var series = metrics.Series(TcpLabels.For("source", source, sourcePrincipal, endpoint.Workload, destinationPrincipal, connection.Resolved.Service, mutualTls));
        stats.Increment("outbound.connections_total");
        var counters = stats.Cluster(cluster);
        counters.Total.Add(1);
        counters.Active.Add(1);
        series.Opened.Add(1);
        balancer.Begin(endpoint);
        var start = DateTimeOffset.UtcNow;
        var timer = Stopwatch.StartNew();
        long sent = 0, received = 0;
        try
        {
            (sent, received) = await BidirectionalCopy.RunAsync(client, connection.Upstream!,
                new Tally(counters.TxBytes, series.Sent), new Tally(counters.RxBytes, series.Received), ct);
            stats.Increment("outbound.bytes_sent", sent);
            stats.Increment("outbound.bytes_received", received);
        }
        finally
        {
            balancer.End(endpoint);
            counters.Active.Add(-1);
            series.Closed.Add(1);
            accessLog.Write(new AccessLogRecord
            {
                Start = start,
                Direction = "outbound",
                Node = options.Node,
                SourceWorkload = source?.Name,
                SourceNamespace = source?.Namespace,
                SourcePrincipal = sourcePrincipal,
                DestinationWorkload = endpoint.Workload?.Name,
                DestinationNamespace = endpoint.Workload?.Namespace,
                DestinationPrincipal = destinationPrincipal,
                DestinationService = connection.Resolved.Service?.Hostname,
                UpstreamHost = endpoint.Address.ToString(),
                BytesSent = sent,
                BytesReceived = received,
                Duration = timer.Elapsed,
                Security = mutualTls ? "mutual_tls" : connection.Hop.Security == HopSecurity.Plaintext ? "plaintext" : "none",
            });
        }
    }

    private void LogRefusal(Destination destination, Workload? source, ResolvedDestination resolved, UpstreamEndpoint? endpoint, string flags, string reason, string failedHop) =>
        accessLog.Write(new AccessLogRecord
        {
            Start = DateTimeOffset.UtcNow,
            Direction = "outbound",
            Node = options.Node,
            SourceWorkload = source?.Name,
            SourceNamespace = source?.Namespace,
            DestinationWorkload = endpoint?.Workload?.Name,
            DestinationNamespace = endpoint?.Workload?.Namespace,
            DestinationService = resolved.Service?.Hostname,
            UpstreamHost = endpoint?.Address.ToString(),
            Requested = destination.ToString(),
            ResponseFlags = flags,
            Details = AccessLogRecord.ToDetails(reason),
            FailedHop = failedHop,
        });

    /// <summary>Istio's principal form (<c>spiffe://td/ns/x/sa/y</c>) of a workload's identity.</summary>
    private string Principal(Workload workload) => Identity.WorkloadIdentity.Of(workload, options.TrustDomain).ToString();
}
