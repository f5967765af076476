using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Identity;
using Skein.Core.Protos.Ca;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Identity;

/// <summary>Obtains and renews the certificates of the workloads placed on this node.</summary>
/// <remarks>
/// Each certificate is requested with a fresh P-256 key that never leaves this process, for the SPIFFE
/// ID of a workload on this node (the CA refuses any other). Renewal swaps the certificate atomically at
/// half life: connections already established keep their TLS session, new ones use the new certificate,
/// so nothing is dropped.
/// </remarks>
public sealed class WorkloadCertificates(
    ProxyOptions options,
    ProxyStateStore state,
    ControlPlaneChannel channels,
    MeshTrust trust,
    ProxyStats stats,
    ILogger<WorkloadCertificates> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<SpiffeId, WorkloadCertificate> _certificates = new();
    private readonly Dictionary<SpiffeId, (DateTimeOffset NextAttempt, TimeSpan Backoff)> _failures = [];

    /// <summary>The current certificate for an identity, or null when none has been issued (yet).</summary>
    public WorkloadCertificate? Get(SpiffeId id) => _certificates.TryGetValue(id, out var c) ? c : null;

    /// <summary>The certificate for an identity, waiting up to <paramref name="timeout"/> for a first issuance (a workload just placed here).</summary>
    public async Task<WorkloadCertificate?> GetAsync(SpiffeId id, TimeSpan timeout, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (Get(id) is { } certificate)
            {
                return certificate;
            }

            if (waited.Elapsed >= timeout)
            {
                return null;
            }

            _wake.Release();
            await Task.Delay(50, ct);
        }
    }

    private readonly SemaphoreSlim _wake = new(0);
    private volatile IReadOnlySet<SpiffeId> _extra = new HashSet<SpiffeId>();

    /// <summary>Identities this proxy serves besides its node's workloads (the Gateways placed on a gateway or waypoint node).</summary>
    public void SetExtraIdentities(IEnumerable<SpiffeId> ids)
    {
        _extra = ids.ToHashSet();
        _wake.Release();
    }

    public IReadOnlyList<WorkloadCertificate> All => [.. _certificates.Values.OrderBy(c => c.Id.ToString(), StringComparer.Ordinal)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var channel = channels.Create();
        var client = new IstioCertificateService.IstioCertificateServiceClient(channel);
        state.Changed += _ => _wake.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wanted = WantedIdentities();
            foreach (var id in wanted)
            {
                var now = DateTimeOffset.UtcNow;
                if (_certificates.TryGetValue(id, out var current) && current.RenewAt > now)
                {
                    continue;
                }

                if (_failures.TryGetValue(id, out var failure) && failure.NextAttempt > now)
                {
                    continue;
                }

                await RequestAsync(client, id, stoppingToken);
            }

            foreach (var stale in _certificates.Keys.Where(id => !wanted.Contains(id)).ToList())
            {
                _certificates.TryRemove(stale, out _);
                logger.LogInformation("dropped certificate for {Id}: no workload with that identity on this node", stale);
            }

            try
            {
                // New workloads (state changes) and waiting callers wake the loop early.
                await _wake.WaitAsync(Tick, stoppingToken);
                while (_wake.CurrentCount > 0)
                {
                    _wake.Wait(0, CancellationToken.None);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private HashSet<SpiffeId> WantedIdentities()
    {
        var result = new HashSet<SpiffeId>(_extra);
        foreach (var workload in state.Current.Workloads.Values)
        {
            if (!workload.IsServedBy(options.Node))
            {
                continue;
            }

            result.Add(WorkloadIdentity.Of(workload, options.TrustDomain));
        }

        return result;
    }

    private async Task RequestAsync(IstioCertificateService.IstioCertificateServiceClient client, SpiffeId id, CancellationToken ct)
    {
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(SpiffeSanExtension.Create(id));
            var message = new IstioCertificateRequest
            {
                Csr = request.CreateSigningRequestPem(),
                ValidityDuration = (long)TimeSpan.FromHours(24).TotalSeconds,
                Metadata = new Struct(),
            };
            message.Metadata.Fields["ImpersonatedIdentity"] = Value.ForString(id.ToString());
            var response = await client.CreateCertificateAsync(message, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
            var certificate = Accept(id, key, response);
            _certificates[id] = certificate;
            _failures.Remove(id);
            stats.Increment("identity.certificates_issued");
            logger.LogInformation("certificate for {Id} valid until {NotAfter:u}, renewing at {RenewAt:u}", id, certificate.NotAfter, certificate.RenewAt);
        }
        catch (Exception e) when (e is RpcException or CryptographicException or InvalidOperationException or IOException or HttpRequestException)
        {
            stats.Increment("identity.certificate_errors");
            var backoff = _failures.TryGetValue(id, out var f) ? TimeSpan.FromTicks(Math.Min(f.Backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks)) : TimeSpan.FromSeconds(1);
            _failures[id] = (DateTimeOffset.UtcNow + backoff, backoff);
            logger.LogWarning("certificate request for {Id} failed ({Error}); retrying in {Backoff}", id, e is RpcException r ? r.Status.Detail : e.Message, backoff);
        }
    }

    /// <summary>Checks that what the CA returned is a valid SVID for the identity and over our key, before using it.</summary>
    private WorkloadCertificate Accept(SpiffeId id, ECDsa key, IstioCertificateResponse response)
    {
        if (response.CertChain.Count == 0)
        {
            throw new InvalidOperationException("the CA returned an empty chain");
        }

        var chain = response.CertChain.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();
        using var leaf = chain[0];
        var intermediates = chain.Skip(1).ToList();
        var result = SvidValidator.Validate(leaf, intermediates, trust.Bundles, DateTimeOffset.UtcNow);
        if (!result.IsValid || result.Id != id)
        {
            throw new InvalidOperationException($"the CA returned an unusable certificate: {(result.IsValid ? $"it is for {result.Id}" : result.Message)}");
        }

        var usable = CertificateKeys.WithPrivateKey(leaf, key);
        return new WorkloadCertificate(id, usable, intermediates);
    }
}
