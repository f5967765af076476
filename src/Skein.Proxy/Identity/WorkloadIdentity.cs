using System.Runtime.CompilerServices;
using Skein.Core.Identity;
using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Identity;

/// <summary>The SPIFFE ID a workload runs as: <c>spiffe://&lt;td&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>, with Istio's defaults for elided fields.</summary>
public static class WorkloadIdentity
{
    // Asked several times per proxied connection (pool key, certificate, access log) for the same few workloads.
    // Workloads from xDS are immutable snapshots, so the ID is built and validated once per workload object and
    // forgotten with it.
    private static readonly ConditionalWeakTable<Workload, Cached> ByWorkload = new();

    public static SpiffeId Of(Workload workload, string defaultTrustDomain)
    {
        if (ByWorkload.TryGetValue(workload, out var cached) && string.Equals(cached.DefaultTrustDomain, defaultTrustDomain, StringComparison.Ordinal))
        {
            return cached.Id;
        }

        var id = SpiffeId.ForWorkload(
            string.IsNullOrEmpty(workload.TrustDomain) ? defaultTrustDomain : workload.TrustDomain,
            workload.Namespace,
            string.IsNullOrEmpty(workload.ServiceAccount) ? "default" : workload.ServiceAccount);
        ByWorkload.AddOrUpdate(workload, new Cached(defaultTrustDomain, id));
        return id;
    }

    private sealed record Cached(string DefaultTrustDomain, SpiffeId Id);
}
