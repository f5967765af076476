using System.Net;
using Microsoft.AspNetCore.Http;
using Skein.Core.Identity;

namespace Skein.Proxy.L7.Authorization;

/// <summary>What per-request policy sees: the verified peer identity (a waypoint's HBONE client; none at an ingress gateway), addresses and the request line.</summary>
public sealed record RequestAttributes(SpiffeId? Peer, IPAddress SourceIp, int DestinationPort, string Method, string Path, string Host, IHeaderDictionary Headers)
{
    /// <summary>Istio's principal form, without the scheme: <c>td/ns/x/sa/y</c>.</summary>
    public string? Principal => Peer is { } id ? $"{id.TrustDomain}{id.Path}" : null;

    /// <summary>The namespace of the peer identity.</summary>
    public string? SourceNamespace => Peer is { } id && id.TryGetWorkload(out var ns, out _) ? ns : null;

    public static RequestAttributes From(HttpContext context, SpiffeId? peer, int port)
    {
        var request = context.Request;
        var source = context.Connection.RemoteIpAddress ?? IPAddress.None;
        // Istio matches paths without the query string; the host without its port.
        return new RequestAttributes(peer, source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source, port, request.Method,
            request.PathBase.Add(request.Path).Value is { Length: > 0 } path ? path : "/", request.Host.Host, request.Headers);
    }
}
