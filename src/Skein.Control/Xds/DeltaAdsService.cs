using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Skein.Control.Compiler;
using Skein.Control.Store;
using Skein.Core.Protos.Envoy.Discovery;

namespace Skein.Control.Xds;

/// <summary>The delta xDS server (<c>AggregatedDiscoveryService/DeltaAggregatedResources</c>).</summary>
/// <remarks>
/// One loop per stream handles both the proxy's requests and store changes, so a stream's state is
/// never touched concurrently. Every response carries a nonce; ACKs and NACKs are matched to it and
/// recorded. After a NACK the rejected versions stay "known" so the proxy is not sent the same bad
/// resource again until the config changes.
/// </remarks>
public sealed class DeltaAdsService(
    ConfigStore store,
    MeshCompiler compiler,
    ProxyRegistry registry,
    StoreReadiness readiness,
    Ca.NodeAuthenticator authenticator,
    ILogger<DeltaAdsService> logger,
    Federation.FederatedBundles? federation = null) : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    private long _nonce;
    private long _streams;

    public override async Task DeltaAggregatedResources(
        IAsyncStreamReader<DeltaDiscoveryRequest> requestStream,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream,
        ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var authenticated = await authenticator.AuthenticateAsync(context);
        if (!await requestStream.MoveNext(ct))
        {
            return;
        }

        var first = requestStream.Current;
        var node = first.Node?.Id;
        if (string.IsNullOrEmpty(node))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first DeltaDiscoveryRequest must carry node.id"));
        }

        if (node != authenticated)
        {
            logger.LogWarning("node {Authenticated} tried to subscribe as {Node}; refused", authenticated, node);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"this join token is for node {authenticated}, not {node}"));
        }

        var role = first.Node!.Metadata?.Fields.TryGetValue("ROLE", out var r) == true ? r.StringValue : "node";
        var connection = new ProxyConnection($"{node}-{Interlocked.Increment(ref _streams)}", node, role, context.Peer);

        // Never answer from an unloaded store: a reconnecting proxy would be told to delete everything it holds.
        await readiness.WaitAsync(ct);

        var events = Channel.CreateUnbounded<DeltaDiscoveryRequest?>(new UnboundedChannelOptions { SingleReader = true });
        events.Writer.TryWrite(first);
        void OnChanged(ConfigSnapshot _) => events.Writer.TryWrite(null);
        void OnBundlesChanged() => events.Writer.TryWrite(null);
        store.Changed += OnChanged;
        if (federation is not null)
        {
            federation.Changed += OnBundlesChanged;
        }

        registry.Add(connection);
        logger.LogInformation("proxy {Node} ({Role}) connected from {Peer}", node, role, context.Peer);

        var reader = Task.Run(async () =>
        {
            try
            {
                while (await requestStream.MoveNext(ct))
                {
                    events.Writer.TryWrite(requestStream.Current);
                }
            }
            catch (Exception e)
            {
                // The proxy went away (reset, cancelled, half-read frame): end this stream quietly.
                logger.LogDebug(e, "xDS request stream from {Node} ended", node);
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, CancellationToken.None);

        var subscriptions = new Dictionary<string, DeltaSubscription>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(ct))
            {
                if (item is null)
                {
                    // Coalesce a burst of store changes into one push per type.
                    while (events.Reader.TryPeek(out var next) && next is null)
                    {
                        events.Reader.TryRead(out _);
                    }

                    foreach (var subscription in subscriptions.Values)
                    {
                        await PushAsync(subscription, connection, responseStream, force: false);
                    }

                    continue;
                }

                await HandleRequestAsync(item, subscriptions, connection, responseStream);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or RpcException)
        {
            logger.LogDebug(e, "xDS response stream to {Node} failed", node);
        }
        finally
        {
            store.Changed -= OnChanged;
            if (federation is not null)
            {
                federation.Changed -= OnBundlesChanged;
            }

            registry.Remove(connection);
            logger.LogInformation("proxy {Node} disconnected", node);
            await reader;
        }
    }

    private async Task HandleRequestAsync(
        DeltaDiscoveryRequest request,
        Dictionary<string, DeltaSubscription> subscriptions,
        ProxyConnection connection,
        IServerStreamWriter<DeltaDiscoveryResponse> responseStream)
    {
        if (string.IsNullOrEmpty(request.TypeUrl))
        {
            return;
        }

        if (!string.IsNullOrEmpty(request.ResponseNonce))
        {
            if (request.ErrorDetail is { } error)
            {
                connection.RecordNack(error.Message);
                registry.CountNack();
                logger.LogWarning("proxy {Node} rejected {Type} (nonce {Nonce}): {Error}", connection.Node, request.TypeUrl, request.ResponseNonce, error.Message);
            }
            else
            {
                connection.RecordAck();
            }
        }

        var isFirst = !subscriptions.TryGetValue(request.TypeUrl, out var subscription);
        if (isFirst)
        {
            subscription = subscriptions[request.TypeUrl] = new DeltaSubscription(request.TypeUrl);
        }

        var changesInterest = isFirst || request.ResourceNamesSubscribe.Count > 0 || request.ResourceNamesUnsubscribe.Count > 0;
        if (!changesInterest)
        {
            return; // a plain ACK or NACK
        }

        subscription!.Subscribe(request.ResourceNamesSubscribe, isFirst ? request.InitialResourceVersions : [], isFirst);
        subscription.Unsubscribe(request.ResourceNamesUnsubscribe);
        await PushAsync(subscription, connection, responseStream, force: isFirst);
    }

    private async Task PushAsync(DeltaSubscription subscription, ProxyConnection connection, IServerStreamWriter<DeltaDiscoveryResponse> responseStream, bool force)
    {
        var snapshot = store.Current;
        var view = compiler.Compile(snapshot, connection.Node, connection.Role);
        var (updated, removed) = subscription.Diff(view.Get(subscription.TypeUrl));
        if (!force && updated.Count == 0 && removed.Count == 0)
        {
            return;
        }

        var response = new DeltaDiscoveryResponse
        {
            TypeUrl = subscription.TypeUrl,
            SystemVersionInfo = snapshot.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Nonce = Interlocked.Increment(ref _nonce).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var resource in updated)
        {
            response.Resources.Add(new Resource { Name = resource.Name, Version = resource.Version, Resource_ = resource.Body });
        }

        response.RemovedResources.AddRange(removed);
        await responseStream.WriteAsync(response);
        connection.RecordPush(updated.Count, removed.Count, snapshot.Version);
        // A forced push answers a new subscription, not a change: its snapshot's age is not push latency.
        registry.CountPush(force ? null : DateTimeOffset.UtcNow - snapshot.CreatedAt);
        logger.LogDebug("pushed {Type} to {Node}: {Updated} updated, {Removed} removed (config version {Version})",
            subscription.TypeUrl, connection.Node, updated.Count, removed.Count, snapshot.Version);
    }
}
