using System.Globalization;
using System.Text;
using Skein.Control.Ca;
using Skein.Control.Store;
using Skein.Control.Xds;

namespace Skein.Control;

/// <summary>The control plane's own Prometheus metrics (the observability work extends this set).</summary>
public static class ControlPlaneMetrics
{
    public static string Render(ProxyRegistry registry, ConfigStore store, CaStatistics ca)
    {
        var sb = new StringBuilder();
        var proxies = registry.Connected;
        Gauge(sb, "skein_xds_connected_proxies", "Proxies with an open xDS stream.", proxies.Count);
        Counter(sb, "skein_xds_pushes_total", "xDS responses sent to connected proxies.", proxies.Sum(p => p.Pushes));
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

        return sb.ToString();
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
