using Skein.Proxy.Transport;

namespace Skein.Proxy.Telemetry;

/// <summary>The counters of one upstream cluster, resolved once per cluster rather than formatting their names for every connection.</summary>
/// <remarks>Each counter is created on first use, so <c>/stats</c> lists only what has happened, as before.</remarks>
public sealed class ClusterCounters(ProxyStats stats, string cluster)
{
    private readonly Counter?[] _security = new Counter?[3];
    private Counter? _total, _active, _tx, _rx, _refused, _connectFail;

    public Counter Total => _total ??= stats.Get($"cluster.{cluster}.upstream_cx_total");

    public Counter Active => _active ??= stats.Get($"cluster.{cluster}.upstream_cx_active");

    public Counter TxBytes => _tx ??= stats.Get($"cluster.{cluster}.upstream_cx_tx_bytes_total");

    public Counter RxBytes => _rx ??= stats.Get($"cluster.{cluster}.upstream_cx_rx_bytes_total");

    public Counter Refused => _refused ??= stats.Get($"cluster.{cluster}.upstream_cx_refused");

    public Counter ConnectFail => _connectFail ??= stats.Get($"cluster.{cluster}.upstream_cx_connect_fail");

    /// <summary>Connections by how their hop was secured: <c>upstream_cx_mtls</c>, <c>_plaintext</c>, <c>_passthrough</c>.</summary>
    public Counter Secured(HopSecurity security) =>
        _security[(int)security] ??= stats.Get($"cluster.{cluster}.upstream_cx_{security.ToString().ToLowerInvariant()}");
}

/// <summary>The inbound counters of one local workload, resolved once per workload.</summary>
public sealed class InboundWorkloadCounters(ProxyStats stats, string ns, string name)
{
    private Counter? _mtls, _plaintext, _rx, _tx;

    public Counter Mtls => _mtls ??= stats.Get($"inbound.workload.{ns}.{name}.cx_mtls");

    public Counter Plaintext => _plaintext ??= stats.Get($"inbound.workload.{ns}.{name}.cx_plaintext");

    public Counter RxBytes => _rx ??= stats.Get($"inbound.workload.{ns}.{name}.rx_bytes_total");

    public Counter TxBytes => _tx ??= stats.Get($"inbound.workload.{ns}.{name}.tx_bytes_total");
}
