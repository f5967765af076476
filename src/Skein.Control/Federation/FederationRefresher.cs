using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Federation;

/// <summary>Keeps one refresh loop per MeshFederation: fetch the peer bundle, hold it, report status, repeat per the refresh hint.</summary>
/// <remarks>
/// A failed fetch keeps the last good bundle (proxies keep trusting it) and retries with backoff; removing the
/// MeshFederation drops the bundle so proxies stop accepting that trust domain. Only one MeshFederation per
/// trust domain is served (the first by namespace/name); the local trust domain is never federated.
/// </remarks>
public sealed class FederationRefresher(
    ConfigStore store,
    FederatedBundles bundles,
    ControlPlaneOptions options,
    TimeProvider time,
    ILogger<FederationRefresher> logger) : IHostedService, IDisposable
{
    /// <summary>Bounds on the peer's refresh hint: not hammered by a tiny hint, not stale for days by a huge one.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxRefresh = TimeSpan.FromHours(1);

    private static readonly TimeSpan DefaultRefresh = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKey, Loop> _loops = [];
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Changed += Reconcile;
        Reconcile(store.Current);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        store.Changed -= Reconcile;
        await _stopping.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = [.. _loops.Values.Select(l => l.Task)];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private void Reconcile(ConfigSnapshot snapshot)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var federations = snapshot.OfType<MeshFederationResource>()
            .OrderBy(f => f.Metadata.Namespace, StringComparer.Ordinal).ThenBy(f => f.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var claimed = new Dictionary<string, ResourceKey>(StringComparer.Ordinal);
        var wanted = new Dictionary<ResourceKey, (MeshFederationResource Resource, string Problem, string Reason)>();
        foreach (var federation in federations)
        {
            var td = federation.Spec.TrustDomain;
            if (td == options.TrustDomain)
            {
                wanted[federation.Key] = (federation, "LocalTrustDomain", $"{td} is this mesh's own trust domain");
            }
            else if (claimed.TryGetValue(td, out var first))
            {
                wanted[federation.Key] = (federation, "Conflicted", $"{first} already federates trust domain {td}");
            }
            else
            {
                claimed[td] = federation.Key;
                wanted[federation.Key] = (federation, "", "");
            }
        }

        lock (_gate)
        {
            foreach (var (key, loop) in _loops.ToList())
            {
                if (!wanted.TryGetValue(key, out var next) || next.Problem.Length > 0 || !SameSpec(loop.Resource, next.Resource))
                {
                    loop.Cancel.Cancel();
                    _loops.Remove(key);
                    bundles.Forget(key);
                }
            }

            // A bundle whose trust domain no MeshFederation claims any more is no longer trusted. One whose
            // MeshFederation merely changed stays until the new loop replaces it, so proxies see no gap.
            foreach (var trustDomain in bundles.Resources.Keys.Where(td => !claimed.ContainsKey(td)).ToList())
            {
                bundles.Remove(trustDomain);
                logger.LogInformation("trust domain {TrustDomain} is no longer federated; its bundle is withdrawn from proxies", trustDomain);
            }

            foreach (var (key, (resource, problem, message)) in wanted)
            {
                if (problem.Length > 0)
                {
                    var conditions = new Conditions(resource, time.GetUtcNow(), bundles.StatusOf(key));
                    bundles.Report(key, new MeshFederationStatus
                    {
                        TrustDomain = resource.Spec.TrustDomain,
                        Conditions = [conditions.Make("Ready", false, problem, message), conditions.Make("BundleFetched", false, problem, message)],
                    });
                    continue;
                }

                if (!_loops.ContainsKey(key))
                {
                    var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    var loop = new Loop(resource, cancel);
                    _loops[key] = loop;
                    loop.Task = Task.Run(async () =>
                    {
                        try
                        {
                            await RunAsync(resource, cancel.Token);
                        }
                        finally
                        {
                            cancel.Dispose(); // the loop ends only once cancelled, so nothing cancels it after this
                        }
                    }, CancellationToken.None);
                }
            }
        }
    }

    private static bool SameSpec(MeshFederationResource a, MeshFederationResource b)
    {
        var x = a.Spec;
        var y = b.Spec;
        return x.TrustDomain == y.TrustDomain && x.BundleEndpointURL == y.BundleEndpointURL && x.BundleEndpointProfile == y.BundleEndpointProfile
               && x.EndpointSPIFFEID == y.EndpointSPIFFEID && x.TrustBundle == y.TrustBundle && x.TrustBundleFile == y.TrustBundleFile
               && a.Metadata.Generation == b.Metadata.Generation;
    }

    private async Task RunAsync(MeshFederationResource federation, CancellationToken ct)
    {
        var spec = federation.Spec;
        var key = federation.Key;
        var status = new MeshFederationStatus { TrustDomain = spec.TrustDomain };
        string bootstrapProblem = "";
        try
        {
            var bootstrap = LoadBootstrap(spec);
            lock (_gate)
            {
                if (bootstrap.Count > 0 && !ct.IsCancellationRequested && !bundles.TryGet(spec.TrustDomain, out _))
                {
                    bundles.Set(spec.TrustDomain, bootstrap, 0, "bootstrap");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            bootstrapProblem = $"the bootstrap bundle cannot be read: {e.Message}";
            logger.LogWarning("MeshFederation {Key}: {Problem}", key, bootstrapProblem);
        }

        var retry = FirstRetry;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            var now = time.GetUtcNow();
            var conditions = new Conditions(federation, now, bundles.StatusOf(key));
            try
            {
                var held = bundles.TryGet(spec.TrustDomain, out var current) ? current.Roots : null;
                var fetched = await BundleFetcher.FetchAsync(spec, held, ct);
                lock (_gate)
                {
                    // Under the reconcile lock: a loop cancelled by a config change must not re-add what was just withdrawn.
                    ct.ThrowIfCancellationRequested();
                    bundles.Set(spec.TrustDomain, fetched.Roots, fetched.Sequence ?? 0, "endpoint");
                }

                wait = Clamp(fetched.RefreshHint ?? DefaultRefresh);
                retry = FirstRetry;
                status = new MeshFederationStatus
                {
                    TrustDomain = spec.TrustDomain,
                    Sequence = fetched.Sequence,
                    Roots = fetched.Roots.Count,
                    Source = "endpoint",
                    LastRefreshTime = now,
                    NextRefreshTime = now + wait,
                    Conditions =
                    [
                        conditions.Make("Ready", true, "BundleAvailable", $"{fetched.Roots.Count} root(s) of {spec.TrustDomain} are pushed to proxies"),
                        conditions.Make("BundleFetched", true, "Fetched", $"fetched from {spec.BundleEndpointURL}"),
                    ],
                };
                if (Changed(bundles.StatusOf(key), fetched.Sequence))
                {
                    logger.LogInformation("MeshFederation {Key}: trust bundle of {TrustDomain} fetched (sequence {Sequence}, {Roots} root(s))",
                        key, spec.TrustDomain, fetched.Sequence, fetched.Roots.Count);
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Any failure, expected (BundleFetchException) or not, keeps the loop and the last good bundle alive.
                var reason = e is BundleFetchException fetch ? fetch.Reason : "FetchFailed";
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
                var holding = bundles.TryGet(spec.TrustDomain, out var kept);
                var message = bootstrapProblem.Length > 0 ? $"{e.Message}; {bootstrapProblem}" : e.Message;
                var previous = bundles.StatusOf(key);
                if (previous?.Conditions.FirstOrDefault(c => c.Type == "BundleFetched")?.Message != message)
                {
                    logger.LogWarning("MeshFederation {Key}: {Error}{Kept}", key, message, holding ? "; keeping the last good bundle" : "");
                }

                status = new MeshFederationStatus
                {
                    TrustDomain = spec.TrustDomain,
                    Sequence = holding ? kept!.Sequence : null,
                    Roots = holding ? kept!.Roots.Count : 0,
                    Source = holding ? kept!.Source : null,
                    LastRefreshTime = previous?.LastRefreshTime,
                    NextRefreshTime = now + wait,
                    Conditions =
                    [
                        holding
                            ? conditions.Make("Ready", true, "BundleAvailable", $"{kept!.Roots.Count} root(s) of {spec.TrustDomain} ({kept.Source}) are pushed to proxies")
                            : conditions.Make("Ready", false, "NoBundle", "no bundle of the peer is held yet"),
                        conditions.Make("BundleFetched", false, reason, message),
                    ],
                };
            }

            lock (_gate)
            {
                if (ct.IsCancellationRequested)
                {
                    break;
                }

                bundles.Report(key, status);
            }

            try
            {
                await Task.Delay(wait, time, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static bool Changed(MeshFederationStatus? previous, ulong? sequence) =>
        previous?.Source != "endpoint" || previous.Sequence != sequence;

    private static TimeSpan Clamp(TimeSpan hint) => hint < MinRefresh ? MinRefresh : hint > MaxRefresh ? MaxRefresh : hint;

    /// <summary>The roots configured for bootstrapping (inline PEM, then the file), empty when none.</summary>
    private List<X509Certificate2> LoadBootstrap(MeshFederationSpec spec)
    {
        var roots = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(spec.TrustBundle))
        {
            roots.ImportFromPem(spec.TrustBundle);
        }

        if (!string.IsNullOrWhiteSpace(spec.TrustBundleFile))
        {
            var path = Path.IsPathRooted(spec.TrustBundleFile) ? spec.TrustBundleFile : Path.Combine(options.ConfigDirectory, spec.TrustBundleFile);
            roots.ImportFromPemFile(path);
        }

        return [.. roots];
    }

    private sealed class Loop(MeshFederationResource resource, CancellationTokenSource cancel)
    {
        public MeshFederationResource Resource { get; } = resource;

        public CancellationTokenSource Cancel { get; } = cancel;

        public Task Task { get; set; } = Task.CompletedTask;
    }

    /// <summary>Conditions that keep their lastTransitionTime while their status stays the same.</summary>
    private sealed class Conditions(MeshFederationResource resource, DateTimeOffset now, MeshFederationStatus? previous)
    {
        public StatusCondition Make(string type, bool status, string reason, string message)
        {
            var value = status ? "True" : "False";
            var before = previous?.Conditions.FirstOrDefault(c => c.Type == type);
            return new StatusCondition
            {
                Type = type,
                Status = value,
                Reason = reason,
                Message = message,
                ObservedGeneration = resource.Metadata.Generation > 0 ? resource.Metadata.Generation : 1,
                LastTransitionTime = before?.Status == value ? before.LastTransitionTime : now,
            };
        }
    }
}
