using System.Globalization;
using System.Text;
using Skein.Control.Ca;
using Skein.Control.Store;
using Skein.Control.Telemetry;
using Skein.Control.Xds;

namespace Skein.Control;

/// <summary>The control plane's own Prometheus metrics (the observability work extends this set).</summary>
public static class ControlPlaneMetrics
{
    public static string Render(ProxyRegistry registry, ConfigStore store, CaStatistics ca, TelemetryStatistics? telemetry = null, TopologyAggregator? topology = null)
    {
        var sb = new StringBuilder();
        var proxies = registry.Connected;
        Gauge(sb, "skein_xds_connected_proxies", "Proxies with an open xDS stream.", proxies.Count);
        Labeled(sb, "skein_xds_connected_proxies_by_role", "Proxies with an open xDS stream, by role.", "gauge", "role",
            new[] { "node", "gateway", "waypoint" }.Concat(proxies.Select(p => p.Role)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(role => (role, (double)proxies.Count(p => p.Role == role))));
        Counter(sb, "skein_xds_pushes_total", "xDS responses sent to proxies since start.", registry.TotalPushes);
        PushLatencyHistogram(sb, registry.PushLatency);
        Counter(sb, "skein_xds_nacks_total", "xDS responses rejected by proxies.", registry.TotalNacks);
        Gauge(sb, "skein_config_version", "Version of the accepted configuration.", store.Current.Version);
        Gauge(sb, "skein_config_errors", "Configuration errors currently rejected.", store.Current.Errors.Count);
        Gauge(sb, "skein_config_resources", "Accepted configuration resources.", store.Current.Resources.Count);
        Counter(sb, "skein_ca_certificates_issued_total", "Workload certificates issued by the mesh CA.", ca.IssuedCount);
        Counter(sb, "skein_ca_requests_denied_total", "Certificate requests denied (bad CSR, identity not placed on the caller's node).", ca.DeniedCount);
        if (ca.NearestExpiry is { } expiry)
        {
            Gauge(sb, "skein_ca_nearest_expiry_timestamp_seconds", "Earliest expiry (Unix time) of recently issued certificates.", expiry.ToUnixTimeSeconds());
        }

        Gauge(sb, "skein_ca_certificates_active", "Workload certificates issued by this control plane and not yet expired (latest per identity and node).", ca.Certificates.Count);
        if (telemetry is not null)
        {
            Gauge(sb, "skein_access_log_streams", "Open access log (ALS) streams from proxies.", telemetry.ActiveStreams);
            Labeled(sb, "skein_access_log_entries_total", "Access log entries received over ALS.", "counter", "kind",
                [("http", telemetry.HttpEntries), ("tcp", telemetry.TcpEntries)]);
        }

        if (topology is not null)
        {
            Gauge(sb, "skein_topology_edges", "Topology edges with traffic in the last 5 minutes.", topology.Snapshot(TimeSpan.FromMinutes(5)).Edges.Count);
        }

        return sb.ToString();
    }

    private static void PushLatencyHistogram(StringBuilder sb, PushLatency latency)
    {
        const string name = "skein_xds_push_latency_seconds";
        var (cumulative, count, sum) = latency.Read();
        sb.Append("# HELP ").Append(name).Append(" Seconds from an accepted config change to each xDS push it caused.\n");
        sb.Append("# TYPE ").Append(name).Append(" histogram\n");
        for (var i = 0; i < PushLatency.Bounds.Length; i++)
        {
            sb.Append(name).Append("_bucket{le=\"").Append(PushLatency.Bounds[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ")
                .Append(cumulative[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        sb.Append(name).Append("_bucket{le=\"+Inf\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(name).Append("_sum ").Append(sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(name).Append("_count ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Labeled(StringBuilder sb, string name, string help, string type, string label, IEnumerable<(string Value, double Sample)> samples)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (value, sample) in samples)
        {
            sb.Append(name).Append('{').Append(label).Append("=\"").Append(value).Append("\"} ").Append(sample.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static void Gauge(StringBuilder sb, string name, string help, long value) => Write(sb, name, help, "gauge", value);

    private static void Counter(StringBuilder sb, string name, string help, long value) => Write(sb, name, help, "counter", value);

    private static void Write(StringBuilder sb, string name, string help, string type, long value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
