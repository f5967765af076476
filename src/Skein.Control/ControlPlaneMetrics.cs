using System.Globalization;
using System.Text;
using Skein.Control.Store;
using Skein.Control.Xds;

namespace Skein.Control;

/// <summary>The control plane's own Prometheus metrics (the observability work extends this set).</summary>
public static class ControlPlaneMetrics
{
    public static string Render(ProxyRegistry registry, ConfigStore store)
    {
        var sb = new StringBuilder();
        var proxies = registry.Connected;
        Gauge(sb, "skein_xds_connected_proxies", "Proxies with an open xDS stream.", proxies.Count);
        Counter(sb, "skein_xds_pushes_total", "xDS responses sent to connected proxies.", proxies.Sum(p => p.Pushes));
        Counter(sb, "skein_xds_nacks_total", "xDS responses rejected by proxies.", registry.TotalNacks);
        Gauge(sb, "skein_config_version", "Version of the accepted configuration.", store.Current.Version);
        Gauge(sb, "skein_config_errors", "Configuration errors currently rejected.", store.Current.Errors.Count);
        Gauge(sb, "skein_config_resources", "Accepted configuration resources.", store.Current.Resources.Count);
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
