using System.Collections.Concurrent;
using System.Text;

namespace Skein.Proxy.Telemetry;

/// <summary>Istio's standard TCP metrics (<c>istio_tcp_*</c>), served in Prometheus text format on 15020.</summary>
public sealed class TcpMetrics
{
    private static readonly (string Name, string Help, Func<TcpSeries, long> Read)[] Families =
    [
        ("istio_tcp_connections_opened_total", "TCP connections opened.", s => s.Opened.Value),
        ("istio_tcp_connections_closed_total", "TCP connections closed.", s => s.Closed.Value),
        ("istio_tcp_sent_bytes_total", "Bytes sent towards the destination (the request direction).", s => s.Sent.Value),
        ("istio_tcp_received_bytes_total", "Bytes received from the destination (the response direction).", s => s.Received.Value),
    ];

    private readonly ConcurrentDictionary<TcpLabels, TcpSeries> _series = new();

    /// <summary>The counters of one label set, created on first use; hold on to them for the connection's life.</summary>
    public TcpSeries Series(TcpLabels labels) => _series.GetOrAdd(labels, static _ => new TcpSeries());

    public string Render()
    {
        var sb = new StringBuilder();
        var all = _series.Select(p => (Labels: p.Key.Render(), Series: p.Value)).OrderBy(p => p.Labels, StringComparer.Ordinal).ToList();
        foreach (var (name, help, read) in Families)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" counter\n");
            foreach (var (labels, series) in all)
            {
                sb.Append(name).Append('{').Append(labels).Append("} ").Append(read(series)).Append('\n');
            }
        }

        return sb.ToString();
    }
}

/// <summary>The four counters of one TCP label set.</summary>
public sealed class TcpSeries
{
    public Counter Opened { get; } = new();
    public Counter Closed { get; } = new();
    public Counter Sent { get; } = new();
    public Counter Received { get; } = new();
}
