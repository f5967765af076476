using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Envoy.Core;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Proxy.Telemetry;
using RpcStatus = Skein.Core.Protos.Rpc.Status;

namespace Skein.Proxy.Xds;

/// <summary>The proxy's delta xDS client: subscribes, applies, ACKs or NACKs, and reconnects with backoff.</summary>
/// <remarks>
/// The proxy keeps serving its last applied config while the control plane is away, however long.
/// On reconnect it reports the versions it holds (initial_resource_versions), so the server sends only
/// what changed meanwhile. A response is applied all-or-nothing per type; a failure is NACKed with the
/// reason and the previous resources stay in force.
/// </remarks>
public sealed class XdsClient(ProxyOptions options, ControlPlaneChannel channels, IEnumerable<IXdsHandler> handlers, XdsStatus status, ProxyStats stats, ILogger<XdsClient> logger) : BackgroundService
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, IXdsHandler> _handlers = handlers.ToDictionary(h => h.TypeUrl, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunStreamAsync(() => backoff = InitialBackoff, stoppingToken);
                logger.LogWarning("xDS stream to {ControlPlane} closed by the server", options.ControlPlane);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Any failure of the stream is survivable: the proxy keeps its last config and retries.
                if (status.Connected || backoff == InitialBackoff)
                {
                    logger.LogWarning("xDS stream to {ControlPlane} failed: {Error}; serving last config, retrying", options.ControlPlane, e.Message);
                }
            }

            status.Connected = false;
            stats.Increment("xds.disconnects");
            // Full jitter keeps a fleet of proxies from reconnecting in lockstep after a control plane restart.
            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds) + TimeSpan.FromMilliseconds(50);
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task RunStreamAsync(Action onResponse, CancellationToken ct)
    {
        using var channel = channels.Create();
        var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
        using var call = client.DeltaAggregatedResources(cancellationToken: ct);

        foreach (var typeUrl in _handlers.Keys)
        {
            var request = new DeltaDiscoveryRequest { Node = NodeInfo(), TypeUrl = typeUrl };
            request.ResourceNamesSubscribe.Add("*");
            foreach (var (name, version) in status.KnownVersions(typeUrl))
            {
                request.InitialResourceVersions[name] = version;
            }

            await call.RequestStream.WriteAsync(request, ct);
        }

        await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
        {
            if (!status.Connected)
            {
                status.Connected = true;
                stats.Increment("xds.connects");
                logger.LogInformation("xDS connected to {ControlPlane}", options.ControlPlane);
            }

            onResponse();
            var reply = new DeltaDiscoveryRequest { TypeUrl = response.TypeUrl, ResponseNonce = response.Nonce };
            try
            {
                if (!_handlers.TryGetValue(response.TypeUrl, out var handler))
                {
                    throw new XdsRejectedException($"type {response.TypeUrl} is not supported by this proxy");
                }

                await handler.ApplyAsync(response.Resources, response.RemovedResources, ct);
                status.Applied(response.TypeUrl, response.Resources.Select(r => (r.Name, r.Version)), response.RemovedResources, response.SystemVersionInfo);
                stats.Increment("xds.acks");
            }
            catch (XdsRejectedException e)
            {
                reply.ErrorDetail = new RpcStatus { Code = (int)StatusCode.InvalidArgument, Message = e.Message };
                status.Rejected(response.TypeUrl, e.Message);
                stats.Increment("xds.nacks");
                logger.LogWarning("rejected {Type} update (nonce {Nonce}), keeping last good config: {Error}", response.TypeUrl, response.Nonce, e.Message);
            }

            await call.RequestStream.WriteAsync(reply, ct);
        }
    }

    private Node NodeInfo()
    {
        var node = new Node
        {
            Id = options.Node,
            Cluster = "embedded",
            UserAgentName = "skein",
            UserAgentVersion = typeof(XdsClient).Assembly.GetName().Version?.ToString() ?? "0",
            Metadata = new Struct(),
        };
        node.Metadata.Fields["ROLE"] = Value.ForString(options.Role);
        return node;
    }
}
