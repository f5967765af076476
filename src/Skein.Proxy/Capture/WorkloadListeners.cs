using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Inbound;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.State;
using Skein.Proxy.Transport;

namespace Skein.Proxy.Capture;

/// <summary>Per-workload listeners on each local workload's own address: HBONE inbound on 15008 and SOCKS5/CONNECT on 15080.</summary>
/// <remarks>
/// Binding on the workload's address is what identifies it without iptables: inbound, the address a
/// peer dialled picks the certificate; outbound, a client using its own address's 15080 is that workload
/// and gets its identity. Reconciled on every state change; a bind that fails is retried on a timer.
/// </remarks>
public sealed class WorkloadListeners(
    ProxyOptions options,
    ProxyStateStore state,
    HboneInbound inbound,
    ProxyProtocolListener socks,
    ListenerRegistry registry,
    ILogger<WorkloadListeners> logger) : BackgroundService
{
    private MeshState? _reconciled;

    private readonly Dictionary<IPEndPoint, (string Uid, SocketListener Listener)> _listeners = [];
    private readonly HashSet<IPEndPoint> _reportedFailures = [];
    private readonly SemaphoreSlim _changed = new(0);

    /// <summary>The mesh state the listeners were last reconciled with (a successor taking over waits for the current one).</summary>
    internal MeshState? Reconciled => Volatile.Read(ref _reconciled);

    /// <summary>What is listening, for the admin config dump.</summary>
    public IReadOnlyList<string> Describe()
    {
        lock (_listeners)
        {
            return [.. _listeners.Select(p => $"{p.Key} ({(p.Key.Port == HboneConnector.HbonePort ? "hbone inbound" : "socks5/connect")} for {p.Value.Uid})").Order(StringComparer.Ordinal)];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged(MeshState _) => _changed.Release();
        state.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Reconcile(stoppingToken);
                try
                {
                    await _changed.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            state.Changed -= OnChanged;
            List<SocketListener> all;
            lock (_listeners)
            {
                all = [.. _listeners.Values.Select(v => v.Listener)];
                _listeners.Clear();
            }

            foreach (var listener in all)
            {
                await listener.DisposeAsync();
            }
        }
    }

    private void Reconcile(CancellationToken ct)
    {
        var snapshot = state.Current;
        var wanted = new Dictionary<IPEndPoint, string>();
        foreach (var workload in snapshot.Workloads.Values.Where(w => w.IsServedBy(options.Node)))
        {
            foreach (var raw in workload.Addresses)
            {
                var ip = new IPAddress(raw.Span);
                if (ip.Equals(options.Address))
                {
                    continue; // the node's own listeners already own this address
                }

                wanted[new IPEndPoint(ip, HboneConnector.HbonePort)] = workload.Uid;
                wanted[new IPEndPoint(ip, options.SocksPort)] = workload.Uid;
            }
        }

        lock (_listeners)
        {
            foreach (var (ep, existing) in _listeners.Where(p => !wanted.TryGetValue(p.Key, out var uid) || uid != p.Value.Uid).ToList())
            {
                _ = existing.Listener.DisposeAsync().AsTask();
                _listeners.Remove(ep);
            }

            foreach (var (ep, uid) in wanted.Where(p => !_listeners.ContainsKey(p.Key)))
            {
                try
                {
                    var listener = ep.Port == HboneConnector.HbonePort
                        ? registry.Start("hbone", ep, (s, c) => inbound.ServeAsync(s, uid, c), logger)
                        : registry.Start("socks", ep, (s, c) => socks.ServeAsync(s, state.Current.Workloads.GetValueOrDefault(uid), c), logger);
                    _listeners[ep] = (uid, listener);
                    _reportedFailures.Remove(ep);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.Shutdown)
                {
                    // Draining: no new listeners.
                }
                catch (SocketException e) when (options.Capture != CaptureMode.None && e.SocketErrorCode == SocketError.AddressNotAvailable)
                {
                    // The workload's address lives in its own network namespace: its traffic arrives through capture instead.
                    if (_reportedFailures.Add(ep))
                    {
                        logger.LogDebug("{EndPoint} for {Workload} is not local: served through transparent capture", ep, uid);
                    }
                }
                catch (SocketException e)
                {
                    if (_reportedFailures.Add(ep))
                    {
                        logger.LogWarning("cannot listen on {EndPoint} for {Workload}: {Error}; retrying", ep, uid, e.Message);
                    }
                }
            }
        }

        Volatile.Write(ref _reconciled, snapshot);
    }
}
