using System.Net;
using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Outbound;

/// <summary>One concrete place to send a connection: a workload's address and target port, or a passthrough address.</summary>
/// <param name="Address">Where the hop goes (its HBONE port for a mesh workload).</param>
/// <param name="Workload">The workload behind the address, when it is one.</param>
/// <param name="Authority">The HBONE CONNECT authority when it is not <paramref name="Address"/>: a waypoint is asked for the original destination.</param>
public sealed record UpstreamEndpoint(IPEndPoint Address, Workload? Workload, string? Authority = null)
{
    /// <summary>Key for load-balancer bookkeeping, formatted once: the balancer reads it several times per pick.</summary>
    public string Key { get; } = Address.ToString();

    /// <summary>The endpoint as an HTTP destination prefix (<c>http://ip:port</c>), formatted once for L7 forwarding.</summary>
    public string HttpPrefix => field ??= $"http://{Address}";
}
