using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace Skein.Proxy.Telemetry;

/// <summary>Writes access log records to standard output (Envoy's text shape or JSON lines) and hands them to the ALS stream.</summary>
/// <remarks>
/// The data path only enqueues: bounded channels drop (and count) records when a writer falls behind, so a
/// slow terminal, pipe or control plane never slows traffic. Sampling keeps every error and a share of the
/// rest; streamed entries carry the share as Envoy's <c>sample_rate</c> so the control plane can scale counts.
/// </remarks>
public sealed class AccessLog(AccessLogSettings settings, AccessLogStreamer streamer, ProxyStats stats) : BackgroundService
{
    // Wait mode, used only through TryWrite (which never waits), because it reports a full queue; the Drop
    // modes report success and discard silently, so nothing could be counted.
    private readonly Channel<(AccessLogRecord Record, string Format)> _queue = Channel.CreateBounded<(AccessLogRecord, string)>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Counter _sampledOut = stats.Get("access_log.sampled_out");
    private readonly Counter _dropped = stats.Get("access_log.dropped");

    public void Write(AccessLogRecord record)
    {
        // The workload the record belongs to: the caller for outbound, the callee for inbound.
        var policy = record.Direction == "outbound"
            ? settings.For(record.SourceNamespace, record.SourceWorkload)
            : settings.For(record.DestinationNamespace ?? record.SourceNamespace, record.DestinationWorkload);
        if (policy.Disabled)
        {
            return;
        }

        var rate = policy.SamplingPercentage / 100;
        if (!record.IsError && rate < 1 && Random.Shared.NextDouble() >= rate)
        {
            _sampledOut.Add(1);
            return;
        }

        if (policy.Stream)
        {
            // The id is made on first read: read it here so the line and the streamed copy carry the same one.
            streamer.Enqueue(record.IsError || rate >= 1 ? record : record with { SampleRate = rate, ConnectionId = record.ConnectionId });
        }

        if (policy.Format != "off" && !_queue.Writer.TryWrite((record, policy.Format)))
        {
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var output = Console.Out;
        var line = new StringBuilder(512);
        try
        {
            await foreach (var (record, format) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (format == "json")
                {
                    await output.WriteLineAsync(Json(record));
                }
                else
                {
                    await output.WriteLineAsync(AppendText(line.Clear(), record), stoppingToken);
                }

                if (_queue.Reader.Count == 0)
                {
                    await output.FlushAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Envoy's default line shape: for TCP the request fields are "-"; for HTTP the request line, response code,
    /// user agent and request id are filled in. The mesh fields Istio appends follow.
    /// </summary>
    public static string Text(AccessLogRecord r) => AppendText(new StringBuilder(256), r).ToString();

    /// <summary>Appends the text line to <paramref name="sb"/> (the writer reuses one builder for every line).</summary>
    internal static StringBuilder AppendText(StringBuilder sb, AccessLogRecord r)
    {
        sb.Append('[').Append(CultureInfo.InvariantCulture, $"{r.Start.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}").Append("] ");
        if (r.IsHttp)
        {
            sb.Append('"').Append(r.Method).Append(' ').Append(Dash(r.Path)).Append(' ').Append(Dash(r.Protocol)).Append("\" ");
        }
        else
        {
            sb.Append("\"- - -\" ");
        }

        sb.Append(r.ResponseCode.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(r.ResponseFlags).Append(' ').Append(r.Details).Append(' ');
        sb.Append(r.BytesReceived.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(r.BytesSent.ToString(CultureInfo.InvariantCulture)).Append(' ');
        sb.Append(((long)r.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).Append(" - ");
        sb.Append('"').Append(Dash(r.SourceAddress)).Append("\" \"").Append(Dash(r.UserAgent)).Append("\" \"").Append(r.RequestId ?? r.ConnectionId).Append("\" \"");
        sb.Append(r.Authority ?? r.Requested ?? "-").Append("\" \"").Append(Dash(r.UpstreamHost)).Append("\" ");
        if (r.IsHttp)
        {
            sb.Append(Dash(r.UpstreamCluster)).Append(' ').Append(Dash(r.RouteName)).Append(' ');
        }

        sb.Append(r.Direction).Append(' ').Append(r.Node).Append(' ');
        sb.Append(Name(r.SourceWorkload, r.SourceNamespace)).Append(' ').Append(r.SourcePrincipal ?? "-").Append(" -> ");
        sb.Append(Name(r.DestinationWorkload, r.DestinationNamespace)).Append(' ').Append(r.DestinationPrincipal ?? "-").Append(' ');
        sb.Append(r.DestinationService ?? "-").Append(' ').Append(r.Security);
        if (r.RetryCount > 0)
        {
            sb.Append(" retries=").Append(r.RetryCount.ToString(CultureInfo.InvariantCulture));
        }

        if (r.FailedHop is { } hop)
        {
            sb.Append(" failed_hop=").Append(hop);
        }

        return sb;
    }

    /// <summary>One JSON object with Envoy's access log field names (and Istio's for the mesh fields).</summary>
    public static string Json(AccessLogRecord r)
    {
        // A JsonNode tree, not reflection-based serialization: the node proxy compiles ahead of time (NativeAOT).
        var fields = new JsonObject
        {
            ["start_time"] = r.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["direction"] = r.Direction,
            ["node"] = r.Node,
            ["connection_id"] = r.ConnectionId,
            ["source_workload"] = r.SourceWorkload,
            ["source_namespace"] = r.SourceNamespace,
            ["source_principal"] = r.SourcePrincipal,
            ["downstream_remote_address"] = r.SourceAddress,
            ["destination_workload"] = r.DestinationWorkload,
            ["destination_namespace"] = r.DestinationNamespace,
            ["destination_principal"] = r.DestinationPrincipal,
            ["destination_service"] = r.DestinationService,
            ["upstream_host"] = r.UpstreamHost,
            ["authority"] = r.Authority ?? r.Requested,
            ["bytes_sent"] = r.BytesSent,
            ["bytes_received"] = r.BytesReceived,
            ["duration"] = (long)r.Duration.TotalMilliseconds,
            ["connection_security_policy"] = r.Security,
            ["response_code"] = r.ResponseCode,
            ["response_flags"] = r.ResponseFlags,
            ["response_code_details"] = r.Details,
            ["failed_hop"] = r.FailedHop,
        };
        if (r.Policy is not null)
        {
            fields["policy"] = r.Policy;
        }

        if (r.IsHttp)
        {
            fields["method"] = r.Method;
            fields["path"] = r.Path;
            fields["protocol"] = r.Protocol;
            fields["request_id"] = r.RequestId;
            fields["route_name"] = r.RouteName;
            fields["upstream_cluster"] = r.UpstreamCluster;
            fields["user_agent"] = r.UserAgent;
            fields["retry_count"] = r.RetryCount;
        }

        return fields.ToJsonString();
    }

    private static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string Name(string? workload, string? ns) => workload is null ? "-" : $"{workload}.{ns}";
}
