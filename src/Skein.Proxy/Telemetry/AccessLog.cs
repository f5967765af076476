using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace Skein.Proxy.Telemetry;

/// <summary>Writes access log records to standard output, in Envoy's TCP text shape or as JSON lines.</summary>
/// <remarks>
/// The data path only enqueues: a bounded channel drops (and counts) records when the writer falls behind,
/// so a slow terminal or pipe never slows traffic.
/// </remarks>
public sealed class AccessLog(ProxyOptions options, ProxyStats stats) : BackgroundService
{
    private readonly Channel<AccessLogRecord> _queue = Channel.CreateBounded<AccessLogRecord>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Write(AccessLogRecord record)
    {
        if (options.AccessLogFormat == "off")
        {
            return;
        }

        if (!_queue.Writer.TryWrite(record))
        {
            stats.Increment("access_log.dropped");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var output = Console.Out;
        try
        {
            await foreach (var record in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await output.WriteLineAsync(options.AccessLogFormat == "json" ? Json(record) : Text(record));
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
    public static string Text(AccessLogRecord r)
    {
        var sb = new StringBuilder(256);
        sb.Append('[').Append(r.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append("] ");
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

        return sb.ToString();
    }

    /// <summary>One JSON object with Envoy's access log field names (and Istio's for the mesh fields).</summary>
    public static string Json(AccessLogRecord r)
    {
        var fields = new Dictionary<string, object?>
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

        return JsonSerializer.Serialize(fields);
    }

    private static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string Name(string? workload, string? ns) => workload is null ? "-" : $"{workload}.{ns}";
}
