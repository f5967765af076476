using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Envoy.Core;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Telemetry;

/// <summary>Streams access log records to the control plane over Envoy's ALS (<c>StreamAccessLogs</c>), on the xDS channel's TLS and token.</summary>
/// <remarks>
/// Lossy by design, as ALS is: a bounded queue drops (and counts) records while the control plane is slow or
/// away, and the stream reconnects with jittered backoff. Records are sent in batches of one kind (TCP or HTTP),
/// the node identified in the first message only, as Envoy does. Like Envoy's gRPC access logger (which buffers
/// for <c>buffer_flush_interval</c>, 1 s by default), the sender waits <see cref="FlushInterval"/> for a batch to
/// fill: under load that turns a message per record into a message per few hundred, on both ends of the stream.
/// </remarks>
public sealed class AccessLogStreamer(ProxyOptions options, ControlPlaneChannel channels, ProxyStats stats, ILogger<AccessLogStreamer> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>How long the sender lets records gather before sending a batch that is not full; short enough for <c>skein top</c> and <c>explain</c> to stay current.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    // Wait mode, used only through TryWrite (which never waits), because it reports a full queue; the Drop
    // modes report success and discard silently, so nothing could be counted.
    private readonly Channel<AccessLogRecord> _queue = Channel.CreateBounded<AccessLogRecord>(
        new BoundedChannelOptions(8192) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Counter _dropped = stats.Get("access_log.als_dropped");
    private readonly Counter _sent = stats.Get("access_log.als_sent");

    /// <summary>Queues a record for the stream; never waits.</summary>
    public void Enqueue(AccessLogRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Wait for something to send before dialing: an idle proxy holds no stream open.
                if (!await _queue.Reader.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                await RunStreamAsync(() => backoff = InitialBackoff, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                stats.Increment("access_log.als_disconnects");
                logger.LogDebug("access log stream to {ControlPlane} failed: {Error}; retrying", options.ControlPlane, e.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds) + TimeSpan.FromMilliseconds(50), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task RunStreamAsync(Action onConnected, CancellationToken ct)
    {
        using var channel = channels.Create();
        var client = new AccessLogService.AccessLogServiceClient(channel);
        using var call = client.StreamAccessLogs(cancellationToken: ct);
        var identifier = new StreamAccessLogsMessage.Types.Identifier
        {
            Node = new Node { Id = options.Node, Cluster = "embedded", UserAgentName = "skein" },
            LogName = $"skein-{options.Role}",
        };
        var batch = new List<AccessLogRecord>(MaxBatch);
        var entries = new AlsEntries();
        while (await _queue.Reader.WaitToReadAsync(ct))
        {
            if (_queue.Reader.Count < MaxBatch)
            {
                await Task.Delay(FlushInterval, ct);
            }

            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            foreach (var message in Messages(batch, entries))
            {
                if (identifier is not null)
                {
                    message.Identifier = identifier;
                }

                await call.RequestStream.WriteAsync(message, ct);
                identifier = null;
                onConnected();
            }

            _sent.Add(batch.Count);
        }

        await call.RequestStream.CompleteAsync();
    }

    /// <summary>One message per kind present in the batch (an ALS message carries entries of a single kind).</summary>
    /// <param name="batch">The records.</param>
    /// <param name="entries">The stream's entry builder; the messages' entries are reused by its next batch, so write them first.</param>
    public static IEnumerable<StreamAccessLogsMessage> Messages(IReadOnlyList<AccessLogRecord> batch, AlsEntries? entries = null)
    {
        entries ??= new AlsEntries();
        entries.Reset();
        var tcp = new StreamAccessLogsMessage.Types.TCPAccessLogEntries();
        var http = new StreamAccessLogsMessage.Types.HTTPAccessLogEntries();
        foreach (var record in batch)
        {
            if (record.IsHttp)
            {
                http.LogEntry.Add(entries.Http(record));
            }
            else
            {
                tcp.LogEntry.Add(entries.Tcp(record));
            }
        }

        if (tcp.LogEntry.Count > 0)
        {
            yield return new StreamAccessLogsMessage { TcpLogs = tcp };
        }

        if (http.LogEntry.Count > 0)
        {
            yield return new StreamAccessLogsMessage { HttpLogs = http };
        }
    }
}
