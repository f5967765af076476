using System.Net;
using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Outbound;

/// <summary>One concrete place to send a connection: a workload's address and target port, or a passthrough address.</summary>
public sealed record UpstreamEndpoint(IPEndPoint Address, Workload? Workload)
{
    /// <summary>Key for load-balancer bookkeeping.</summary>
    public string Key => Address.ToString();
}
