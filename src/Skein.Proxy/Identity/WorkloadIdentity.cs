using Skein.Core.Identity;
using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Identity;

/// <summary>The SPIFFE ID a workload runs as: <c>spiffe://&lt;td&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>, with Istio's defaults for elided fields.</summary>
public static class WorkloadIdentity
{
    public static SpiffeId Of(Workload workload, string defaultTrustDomain) => SpiffeId.ForWorkload(
        string.IsNullOrEmpty(workload.TrustDomain) ? defaultTrustDomain : workload.TrustDomain,
        workload.Namespace,
        string.IsNullOrEmpty(workload.ServiceAccount) ? "default" : workload.ServiceAccount);
}
