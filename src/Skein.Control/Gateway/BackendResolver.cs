using Skein.Core.Naming;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>A backendRef resolved to a mesh Service, or the ResolvedRefs reason it could not be.</summary>
public sealed record BackendResolution(SkeinProto.BackendRef Backend, string? Reason, string Message)
{
    public bool Resolved => Reason is null;
}

/// <summary>Resolves route backendRefs to Services: kind, ReferenceGrant, existence, port and appProtocol.</summary>
public static class BackendResolver
{
    public static BackendResolution Resolve(BackendObjectReference reference, RouteInfo route, GatewayApiContext context, bool needsHttp)
    {
        var ns = reference.Namespace ?? route.Namespace;
        var proto = new SkeinProto.BackendRef
        {
            Service = $"{ns}/{MeshName.Hostname(reference.Name, ns)}",
            Port = (uint)(reference.Port ?? 0),
        };

        if (reference.Group is not "" || reference.Kind != "Service")
        {
            return Fail(proto, "InvalidKind", $"backendRef {reference.Group}/{reference.Kind} {reference.Name}: only core Services are supported");
        }

        if (!context.Grants.Permits(ApiVersions.GatewayGroup, route.Kind, route.Namespace, "", "Service", ns, reference.Name))
        {
            return Fail(proto, "RefNotPermitted", $"Service {ns}/{reference.Name} is in another namespace and no ReferenceGrant there permits {route.Kind}s from {route.Namespace}");
        }

        if (context.FindService(ns, reference.Name) is not { } service)
        {
            return Fail(proto, "BackendNotFound", $"Service {ns}/{reference.Name} does not exist");
        }

        if (reference.Port is not { } port)
        {
            return Fail(proto, "BackendNotFound", $"backendRef to Service {ns}/{reference.Name} has no port");
        }

        if (service.Spec.Ports.FirstOrDefault(p => p.Port == port) is not { } servicePort)
        {
            return Fail(proto, "BackendNotFound", $"Service {ns}/{reference.Name} has no port {port}");
        }

        if (needsHttp)
        {
            var tls = context.BackendTls.Apply(proto, service, servicePort, route);
            if (MapAppProtocol(servicePort.AppProtocol, route.Kind == RouteKinds.GrpcRoute, tls) is not { } appProtocol)
            {
                return Fail(proto, "UnsupportedProtocol", $"Service {ns}/{reference.Name} port {port} has appProtocol {servicePort.AppProtocol}, which Skein cannot speak to");
            }

            proto.AppProtocol = appProtocol;
        }

        return new BackendResolution(proto, null, "");
    }

    /// <summary>
    /// The app_protocol the proxy understands for a Service port's appProtocol, or null when unsupported.
    /// gRPC backends without a hint are spoken to in cleartext HTTP/2, which gRPC requires. HTTPS is HTTP/1.1
    /// inside the TLS a BackendTLSPolicy (<paramref name="tls"/>) makes the proxy originate.
    /// </summary>
    public static string? MapAppProtocol(string? appProtocol, bool grpc, bool tls = false) => appProtocol?.ToLowerInvariant() switch
    {
        null or "" or "http" or "tcp" or "kubernetes.io/http" => grpc ? "kubernetes.io/h2c" : "",
        "https" or "kubernetes.io/https" when tls => "",
        "kubernetes.io/h2c" or "h2c" or "grpc" or "http2" => "kubernetes.io/h2c",
        "kubernetes.io/ws" or "ws" => "kubernetes.io/ws",
        _ => null,
    };

    private static BackendResolution Fail(SkeinProto.BackendRef proto, string reason, string message)
    {
        proto.InvalidReason = message;
        return new BackendResolution(proto, reason, message);
    }
}
