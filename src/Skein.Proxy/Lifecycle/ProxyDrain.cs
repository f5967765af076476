using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Inbound;
using Skein.Proxy.Pool;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.Lifecycle;

/// <summary>A proxy's graceful stop (SIGTERM, Ctrl-C, or after handing its listeners to a successor): stop accepting, GOAWAY, let connections finish up to <c>--drain-timeout</c>, cut the rest.</summary>
/// <remarks>
/// Registered after every other hosted service, so the host stops it first: the admin API, xDS, certificates and the
/// access log keep running while connections drain (their records still reach the control plane). An accepted
/// client that has not finished its handshake counts as a connection and gets the same deadline. Drain bookkeeping
/// shows in the admin stats as <c>server.drain_*</c> and in the log. Every role drains this way; gateways and waypoints
/// add their Kestrel servers (<see cref="IGracefulServer"/>), which ask kept-alive HTTP connections to close.
/// </remarks>
public sealed class ProxyDrain(
    ProxyOptions options,
    ListenerRegistry registry,
    ListenerHandover handover,
    HboneInbound inbound,
    HbonePool pool,
    IEnumerable<IGracefulServer> servers,
    ProxyStats stats,
    ILogger<ProxyDrain> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _handover = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _handover = handover.RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <remarks>The host's shutdown token is not used: ProxyHost sets ShutdownTimeout past the drain deadline, which bounds this.</remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var handedOver = handover.HandedOver;
        await _stopping.CancelAsync();
        await _handover;
        // A second SIGTERM or Ctrl-C while draining cuts what is left at once (the host's own handler ignores repeats).
        using var cutNow = new CancellationTokenSource();
        using var sigterm = CutOnSignal(PosixSignal.SIGTERM, cutNow);
        using var sigint = CutOnSignal(PosixSignal.SIGINT, cutNow);
        await DrainAsync(registry, inbound, pool, options.DrainTimeout, handedOver, stats, logger, cutNow.Token, [.. servers]);
    }

    private static PosixSignalRegistration? CutOnSignal(PosixSignal signal, CancellationTokenSource cutNow)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                cutNow.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>What a drain did: connections that finished on their own, and those cut at the deadline.</summary>
    public readonly record struct DrainResult(int Finished, int Cut);

    /// <summary>Runs a drain; separate from the hosted service so its bookkeeping can be tested on its own.</summary>
    internal static async Task<DrainResult> DrainAsync(ListenerRegistry registry, HboneInbound? inbound, HbonePool? pool, TimeSpan deadline, bool handedOver,
        ProxyStats stats, ILogger logger, CancellationToken cutNow = default, IReadOnlyList<IGracefulServer>? servers = null)
    {
        stats.Increment("server.drains_total");
        // Counted from here, not from when the listeners have stopped: a connection that finishes while they stop
        // finished during the drain too (reading the open count after the stop missed it).
        var finishedBefore = registry.Connections.Finished;
        var listeners = await registry.StopAcceptingAsync(shared: handedOver);
        var hbone = inbound?.GoAway() ?? 0;
        var pooled = pool?.GoAway() ?? 0;
        var open = registry.Connections.Open;
        logger.LogInformation("draining{Why}: stopped {Listeners} listeners, GOAWAY on {Hbone} inbound and {Pooled} outbound HBONE connections; {Open} connections open, waiting up to {Deadline}",
            handedOver ? " after the upgrade" : "", listeners, hbone, pooled, open, Format(deadline));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cutNow);
        timeout.CancelAfter(deadline);
        // Their connections are among the registry's (each accepted socket is tracked until Kestrel is done with it),
        // so the count below covers them; the servers only ask them to finish sooner and abort them with the rest.
        var graceful = (servers ?? []).Select(s => s.StopGracefullyAsync(timeout.Token)).ToList();
        try
        {
            await registry.Connections.WhenIdleAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        var cut = registry.Connections.Open;
        var finished = (int)(registry.Connections.Finished - finishedBefore);
        stats.Increment("server.drain_completed_connections", finished);
        stats.Increment("server.drain_cut_connections", cut);
        if (cut > 0)
        {
            registry.CutAll();
            logger.LogWarning("{Why}: cut {Cut} connections still open ({Finished} finished)",
                cutNow.IsCancellationRequested ? "second stop signal while draining" : $"drain deadline ({Format(deadline)}) passed", cut, finished);
            // Give the cut handlers a moment to close their sockets and write their access-log records.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await registry.Connections.WhenIdleAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        else
        {
            logger.LogInformation("drained: all {Finished} connections finished, none cut", finished);
        }

        await WhenStoppedAsync(graceful, logger);
        return new DrainResult(finished, cut);
    }

    private static async Task WhenStoppedAsync(List<Task> graceful, ILogger logger)
    {
        try
        {
            await Task.WhenAll(graceful).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or InvalidOperationException)
        {
            logger.LogWarning("a server did not stop cleanly after the drain: {Reason}", e.Message);
        }
    }

    private static string Format(TimeSpan t) => t.TotalSeconds >= 1 && t.TotalSeconds == Math.Floor(t.TotalSeconds) ? $"{t.TotalSeconds:0}s" : $"{t.TotalMilliseconds:0}ms";
}
