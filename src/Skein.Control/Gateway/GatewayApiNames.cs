namespace Skein.Control.Gateway;

/// <summary>The names Skein's Gateway API implementation answers to.</summary>
public static class GatewayApiNames
{
    /// <summary>The controllerName Skein writes in route status and accepts in GatewayClasses.</summary>
    public const string ControllerName = "skein.dev/gateway-controller";

    /// <summary>Built-in ingress class, served by <c>skein proxy --role gateway</c>.</summary>
    public const string IngressClass = "skein";

    /// <summary>Built-in waypoint class, served by <c>skein proxy --role waypoint</c>.</summary>
    public const string WaypointClass = "skein-waypoint";

    /// <summary>Annotation naming the node whose gateway/waypoint proxies serve a Gateway.</summary>
    public const string NodeAnnotation = "skein.dev/node";

    /// <summary>Label by which a Service, Namespace or Workload opts into a waypoint of its namespace.</summary>
    public const string UseWaypointLabel = "skein.dev/use-waypoint";

    /// <summary>Proxy roles (node metadata ROLE).</summary>
    public const string GatewayRole = "gateway";

    /// <summary>The waypoint proxy role.</summary>
    public const string WaypointRole = "waypoint";

    /// <summary>The HBONE port a waypoint receives tunnels on.</summary>
    public const int HbonePort = 15008;

    /// <summary>The node a Gateway of a role is placed on when it has no <see cref="NodeAnnotation"/>.</summary>
    public static string DefaultNode(string role) => role;
}
