using Grpc.Core;
using Microsoft.Extensions.Logging;
using Skein.Control.Ca;
using Skein.Core.Protos.Envoy.AccessLog;

namespace Skein.Control.Telemetry;

/// <summary>Envoy's Access Log Service on 15012: proxies (Skein's, or any Envoy given a join token) stream entries into the topology.</summary>
/// <remarks>
/// The caller authenticates with its node's join token, as for xDS; a stream's identifier naming another node is
/// refused, so one node cannot file records as another. Like Envoy's ALS servers, it answers only when the
/// stream ends.
/// </remarks>
public sealed class AccessLogReceiver(NodeAuthenticator authenticator, TopologyAggregator topology, TelemetryStatistics statistics, ILogger<AccessLogReceiver> logger)
    : AccessLogService.AccessLogServiceBase
{
    public override async Task<StreamAccessLogsResponse> StreamAccessLogs(IAsyncStreamReader<StreamAccessLogsMessage> requestStream, ServerCallContext context)
    {
        var node = await authenticator.AuthenticateAsync(context);
        string? reporter = null;
        statistics.StreamOpened();
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (reporter is null)
                {
                    var claimed = message.Identifier?.Node?.Id;
                    if (!string.IsNullOrEmpty(claimed) && claimed != node)
                    {
                        logger.LogWarning("node {Authenticated} tried to stream access logs as {Node}; refused", node, claimed);
                        throw new RpcException(new Status(StatusCode.PermissionDenied, $"this join token is for node {node}, not {claimed}"));
                    }

                    reporter = node;
                }

                switch (message.LogEntriesCase)
                {
                    case StreamAccessLogsMessage.LogEntriesOneofCase.TcpLogs:
                        foreach (var entry in message.TcpLogs.LogEntry)
                        {
                            topology.Add(AlsEntryReader.Tcp(entry, reporter));
                        }

                        statistics.Received("tcp", message.TcpLogs.LogEntry.Count);
                        break;
                    case StreamAccessLogsMessage.LogEntriesOneofCase.HttpLogs:
                        foreach (var entry in message.HttpLogs.LogEntry)
                        {
                            topology.Add(AlsEntryReader.Http(entry, reporter));
                        }

                        statistics.Received("http", message.HttpLogs.LogEntry.Count);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException e)
        {
            logger.LogDebug("access log stream from {Node} ended: {Error}", node, e.Message);
        }
        finally
        {
            statistics.StreamClosed();
        }

        return new StreamAccessLogsResponse();
    }
}
