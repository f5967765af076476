using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Which route kinds each listener protocol carries.</summary>
public static class RouteKinds
{
    public const string HttpRoute = "HTTPRoute";
    public const string GrpcRoute = "GRPCRoute";
    public const string TcpRoute = "TCPRoute";
    public const string TlsRoute = "TLSRoute";

    /// <summary>
    /// The kinds a listener of this protocol supports; empty for protocols Skein does not implement. A
    /// waypoint's HBONE listener takes no routes itself: mesh routes name the Service as their parent.
    /// </summary>
    public static IReadOnlyList<string> For(string protocol) => protocol switch
    {
        "HTTP" or "HTTPS" => [HttpRoute, GrpcRoute],
        "TLS" => [TlsRoute],
        "TCP" => [TcpRoute],
        _ => [],
    };

    public static RouteGroupKind ToGroupKind(string kind) => new() { Group = ApiVersions.GatewayGroup, Kind = kind };
}
