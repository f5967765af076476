using System.Net;
using Skein.Core.Protos.Workload;
using Skein.Proxy.State;

namespace Skein.Proxy.Outbound;

/// <summary>Sends traffic for a destination that uses a waypoint to that waypoint (DESIGN §6 outbound), asking it for the original destination.</summary>
public static class WaypointRedirect
{
    /// <summary>The waypoint hop for <paramref name="resolved"/>, or null when its destination uses no waypoint (or the waypoint is unknown).</summary>
    public static ResolvedDestination? Apply(MeshState mesh, ResolvedDestination resolved)
    {
        if (resolved.Service is { Waypoint.Address.Address.Length: 4 or 16 } service && service.Addresses.Count > 0)
        {
            var vip = new IPAddress(service.Addresses[0].Address.Span);
            return Via(mesh, resolved, service.Waypoint, $"{new IPEndPoint(vip, resolved.Port)}");
        }

        if (resolved.Service is null && resolved.Endpoints is [{ Workload: { Waypoint.Address.Address.Length: 4 or 16 } workload } endpoint])
        {
            return Via(mesh, resolved, workload.Waypoint, endpoint.Address.ToString());
        }

        return null;
    }

    /// <summary>
    /// The waypoint governing traffic to <paramref name="workload"/> on <paramref name="port"/>: the workload's own, else that of the
    /// Service whose target port it is (the service the client addressed, as far as the destination can tell).
    /// </summary>
    public static Workload? GoverningWaypoint(MeshState mesh, Workload workload, int port)
    {
        var waypoint = workload.Waypoint is { Address.Address.Length: 4 or 16 } own ? own : null;
        if (waypoint is null)
        {
            foreach (var (key, ports) in workload.Services)
            {
                if (ports.Ports.Any(p => p.TargetPort == port || (p.TargetPort == 0 && p.ServicePort == port)) &&
                    mesh.Services.GetValueOrDefault(key) is { Waypoint.Address.Address.Length: 4 or 16 } service)
                {
                    waypoint = service.Waypoint;
                    break;
                }
            }
        }

        return waypoint is null ? null : mesh.WorkloadsByIp.GetValueOrDefault(new IPAddress(waypoint.Address.Address.Span));
    }

    private static ResolvedDestination? Via(MeshState mesh, ResolvedDestination resolved, GatewayAddress waypoint, string authority)
    {
        var address = new IPAddress(waypoint.Address.Address.Span);
        if (!mesh.WorkloadsByIp.TryGetValue(address, out var workload))
        {
            return null;
        }

        return resolved with { Endpoints = [new UpstreamEndpoint(new IPEndPoint(address, resolved.Port), workload, authority)] };
    }
}
