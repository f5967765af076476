using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Inbound;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.Capture;

/// <summary>The listeners transparently redirected traffic arrives on, on the node address: 15001 outbound, 15006 inbound plaintext, 15008 HBONE.</summary>
/// <remarks>
/// With capture the workloads' addresses live in their own network namespaces, so the per-workload HBONE listeners
/// (<see cref="WorkloadListeners"/>) cannot bind them: tunnels from other nodes are redirected to the node address's
/// 15008 instead, and the workload is the one the tunnel was addressed to (its original destination), as the
/// per-workload listener's own address says otherwise.
/// </remarks>
public sealed class CaptureListeners(
    ProxyOptions options,
    ListenerRegistry registry,
    CapturedOutbound outbound,
    InboundPlaintext plaintext,
    HboneInbound hbone,
    ProxyStateStore state,
    ProxyStats stats,
    ILogger<CaptureListeners> logger) : IHostedService
{
    private readonly List<SocketListener> _listeners = [];

    /// <summary>The ports the listeners use (the rules redirect to them).</summary>
    public CapturePorts Ports => new(options.Address);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var ports = Ports;
        _listeners.Add(registry.Start("capture-outbound", new IPEndPoint(options.Address, ports.Outbound), outbound.ServeAsync, logger));
        _listeners.Add(registry.Start("capture-inbound", new IPEndPoint(options.Address, ports.InboundPlaintext), plaintext.ServeAsync, logger));
        _listeners.Add(registry.Start("capture-hbone", new IPEndPoint(options.Address, ports.Hbone), ServeHboneAsync, logger));
        logger.LogInformation("transparent capture: outbound on {Outbound}, inbound plaintext on {Inbound}, HBONE on {Hbone}",
            _listeners[0].EndPoint, _listeners[1].EndPoint, _listeners[2].EndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync();
        }

        _listeners.Clear();
    }

    /// <summary>What is listening, for the admin config dump.</summary>
    public IReadOnlyList<string> Describe() =>
        [.. _listeners.Select(l => $"{l.EndPoint} ({(l.EndPoint.Port == Ports.Outbound ? "outbound capture" : l.EndPoint.Port == Ports.InboundPlaintext ? "inbound plaintext" : "hbone inbound, captured")})")];

    private async Task ServeHboneAsync(Socket socket, CancellationToken ct)
    {
        var target = OriginalDestination.Of(socket);
        var workload = target is null ? null : state.Current.WorkloadsByIp.GetValueOrDefault(target.Address);
        if (workload is null || !workload.IsServedBy(options.Node))
        {
            stats.Increment("capture.hbone.unknown_destination");
            logger.LogWarning("HBONE connection from {Peer} to {Target}: no workload of node {Node} there; closing",
                socket.RemoteEndPoint, target?.ToString() ?? "the node address (not redirected)", options.Node);
            CapturedOutbound.Reset(socket);
            return;
        }

        await hbone.ServeAsync(socket, workload.Uid, ct);
    }
}
