using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Whether a Service port carries HTTP (a waypoint routes it) or opaque TCP (a waypoint forwards it).</summary>
/// <remarks>
/// Kubernetes says it with appProtocol, Istio by port-name prefix; Skein reads both, appProtocol first. A
/// port that says neither is taken as HTTP: a service opts into a waypoint to get L7 routing.
/// </remarks>
public static class ServicePortProtocol
{
    public static bool IsHttp(ServicePort port)
    {
        if (port.AppProtocol is { Length: > 0 } appProtocol)
        {
            return appProtocol.ToLowerInvariant() is "http" or "http2" or "h2c" or "grpc" or "ws"
                or "kubernetes.io/h2c" or "kubernetes.io/ws" or "kubernetes.io/http";
        }

        var name = port.Name?.ToLowerInvariant() ?? "";
        return !(name.StartsWith("https", StringComparison.Ordinal) || name.StartsWith("tls", StringComparison.Ordinal)
            || name.StartsWith("tcp", StringComparison.Ordinal) || name.StartsWith("mongo", StringComparison.Ordinal)
            || name.StartsWith("mysql", StringComparison.Ordinal) || name.StartsWith("redis", StringComparison.Ordinal));
    }
}
