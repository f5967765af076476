using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Proxy.Lifecycle;
using Skein.Proxy.State;

namespace Skein.Proxy.Capture;

/// <summary>Applies the capture rules (<see cref="NftablesRules"/>) in the proxy's network namespace on start, keeps the workload sets in step with the config, and removes the table on stop.</summary>
/// <remarks>
/// Started after the capture listeners, so nothing is redirected to a port that is not listening yet. A proxy that handed
/// its listeners to a successor (an upgrade) leaves the table to it; the successor re-applies the same table on its
/// start, in one transaction. Stopped for good, the proxy removes the table: the workloads' traffic then flows
/// uncaptured, as it did before capture was turned on.
/// </remarks>
public sealed class NftablesCapture(
    ProxyOptions options,
    ProxyStateStore state,
    ListenerHandover handover,
    ILogger<NftablesCapture> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0);

    /// <summary>The workload addresses the table holds; null while it is a predecessor's, replaced once this process has its config.</summary>
    private IReadOnlyList<IPAddress>? _applied;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await Nft.TableExistsAsync(cancellationToken))
        {
            // A predecessor's (an upgrade, or a proxy that was killed): its workload set is still right, where an empty
            // one applied now would let the workloads' traffic through uncaptured until the config arrives.
            logger.LogInformation("capture rules: keeping the existing table {Family} {Table} until the config arrives", NftablesRules.Family, NftablesRules.Table);
        }
        else
        {
            await ApplyAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    private async Task ApplyAsync(CancellationToken ct)
    {
        var workloads = Workloads(state.Current);
        await Nft.RunAsync(NftablesRules.Script(new CapturePorts(options.Address), workloads), ct);
        _applied = workloads;
        logger.LogInformation("capture rules applied: table {Family} {Table} ({Count} workload addresses)", NftablesRules.Family, NftablesRules.Table, workloads.Count);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged(MeshState _) => _changed.Release();
        state.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wanted = Workloads(state.Current);
                if (_applied is null ? state.LastUpdate is not null : !wanted.SequenceEqual(_applied))
                {
                    try
                    {
                        if (_applied is null)
                        {
                            await ApplyAsync(stoppingToken);
                            continue;
                        }

                        await Nft.RunAsync(NftablesRules.WorkloadsUpdate(wanted), stoppingToken);
                        _applied = wanted;
                        logger.LogInformation("capture rules: {Count} workload addresses ({Addresses})", wanted.Count, string.Join(", ", wanted));
                    }
                    catch (NftException e)
                    {
                        logger.LogError("capture rules not updated: {Error}; retrying", e.Message);
                    }
                }

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
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (handover.HandedOver)
        {
            logger.LogInformation("capture rules left to the successor");
            return;
        }

        try
        {
            await Nft.RunAsync(NftablesRules.RemoveScript, CancellationToken.None);
            logger.LogInformation("capture rules removed: table {Family} {Table}", NftablesRules.Family, NftablesRules.Table);
        }
        catch (NftException e)
        {
            logger.LogError("capture rules could not be removed ({Error}); remove them with `nft delete table {Family} {Table}`", e.Message, NftablesRules.Family, NftablesRules.Table);
        }
    }

    /// <summary>The addresses to capture: every address of the workloads this node serves, except the node's own.</summary>
    internal IReadOnlyList<IPAddress> Workloads(MeshState mesh) =>
        [.. mesh.Workloads.Values.Where(w => w.IsServedBy(options.Node))
            .SelectMany(w => w.Addresses.Select(a => new IPAddress(a.Span)))
            .Where(a => !a.Equals(options.Address))
            .Distinct()
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)];
}
