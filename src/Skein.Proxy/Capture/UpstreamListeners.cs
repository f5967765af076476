using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Upstream = Skein.Core.Protos.Skein.Upstream;

namespace Skein.Proxy.Capture;

/// <summary>Consul-style capture: one listener per declared upstream, each forwarding to its service.</summary>
/// <remarks>
/// Reconciliation binds new listeners before closing old ones and rolls back on any bind failure, so a
/// rejected update (say, a port already in use) leaves the previous listeners serving untouched.
/// </remarks>
public sealed class UpstreamListeners(OutboundProxy outbound, ProxyStateStore state, ProxyStats stats, ListenerRegistry registry, ILogger<UpstreamListeners> logger) : IAsyncDisposable
{
    private readonly Dictionary<IPEndPoint, Entry> _listeners = [];
    private readonly Lock _gate = new();

    public void Reconcile(IReadOnlyDictionary<string, Upstream> desired)
    {
        lock (_gate)
        {
            var wanted = new Dictionary<IPEndPoint, (string Name, Upstream Upstream)>();
            foreach (var (name, upstream) in desired)
            {
                var ep = new IPEndPoint(new IPAddress(upstream.BindAddress.Span), (int)upstream.LocalPort);
                if (wanted.TryGetValue(ep, out var other))
                {
                    throw new Xds.XdsRejectedException($"upstreams {other.Name} and {name} both listen on {ep}");
                }

                wanted[ep] = (name, upstream);
            }

            var started = new List<(IPEndPoint, Entry)>();
            foreach (var (ep, (name, upstream)) in wanted)
            {
                if (_listeners.ContainsKey(ep))
                {
                    continue;
                }

                var entry = new Entry(name, upstream);
                try
                {
                    entry.Listener = registry.Start("upstream", ep, (socket, ct) => ServeAsync(entry, socket, ct), logger);
                    started.Add((ep, entry));
                }
                catch (SocketException e)
                {
                    foreach (var (_, s) in started)
                    {
                        _ = s.Listener!.DisposeAsync().AsTask();
                    }

                    throw new Xds.XdsRejectedException($"upstream {name}: cannot listen on {ep}: {e.Message}");
                }
            }

            foreach (var (ep, entry) in started)
            {
                _listeners[ep] = entry;
                logger.LogInformation("upstream {Name} listening on {EndPoint} -> {Service}:{Port}", entry.Name, ep, entry.Upstream.Service, entry.Upstream.ServicePort);
            }

            foreach (var (ep, entry) in _listeners)
            {
                if (wanted.TryGetValue(ep, out var target))
                {
                    entry.Name = target.Name;
                    entry.Upstream = target.Upstream; // retarget in place: existing connections are untouched
                }
            }

            foreach (var ep in _listeners.Keys.Where(ep => !wanted.ContainsKey(ep)).ToList())
            {
                logger.LogInformation("upstream {Name} on {EndPoint} removed", _listeners[ep].Name, ep);
                _ = _listeners[ep].Listener!.DisposeAsync().AsTask();
                _listeners.Remove(ep);
            }
        }
    }

    private async Task ServeAsync(Entry entry, Socket socket, CancellationToken ct)
    {
        var upstream = entry.Upstream;
        stats.Increment("listener.upstream.downstream_cx_total");
        var mesh = state.Current;
        await using var client = new NetworkStream(socket, ownsSocket: false);
        if (!mesh.Services.TryGetValue(upstream.Service, out var service))
        {
            stats.Increment("outbound.unknownhost");
            logger.LogWarning("upstream {Name}: service {Service} is not in the mesh; closing connection", entry.Name, upstream.Service);
            return;
        }

        // The upstream belongs to one workload: that workload is the source, and its identity is presented.
        var source = mesh.Workloads.GetValueOrDefault(upstream.WorkloadUid);
        await using var connection = await outbound.OpenAsync(new Destination(service.Hostname, null, (int)upstream.ServicePort), source, ct);
        if (connection.Error != OutboundError.None)
        {
            logger.LogWarning("upstream {Name}: {Detail}", entry.Name, connection.Detail);
            return;
        }

        await outbound.RelayAsync(client, connection, source, ct);
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _listeners.Values];
            _listeners.Clear();
        }

        foreach (var entry in entries)
        {
            await entry.Listener!.DisposeAsync();
        }
    }

    /// <summary>The endpoints currently listening, for the admin config dump.</summary>
    public IReadOnlyList<string> Describe()
    {
        lock (_gate)
        {
            return _listeners.Select(p => $"{p.Key} -> {p.Value.Upstream.Service}:{p.Value.Upstream.ServicePort}").Order(StringComparer.Ordinal).ToList();
        }
    }

    private sealed class Entry(string name, Upstream upstream)
    {
        public volatile string Name = name;
        public volatile Upstream Upstream = upstream;
        public SocketListener? Listener;
    }
}
