using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Which GatewayClasses Skein implements, and with which proxy role.</summary>
/// <remarks>
/// <c>skein</c> and <c>skein-waypoint</c> exist without a GatewayClass resource (embedded mode has no
/// installer to create them). A GatewayClass resource of any name whose controllerName is Skein's is ours
/// too, served by gateway-role proxies unless it is named <c>skein-waypoint</c>; a resource named
/// <c>skein</c> with another controller hands that class to that controller.
/// </remarks>
public sealed class GatewayClassRegistry(IEnumerable<GatewayClassResource> classes)
{
    private readonly Dictionary<string, GatewayClassResource> _byName = classes.ToDictionary(c => c.Metadata.Name, StringComparer.Ordinal);

    /// <summary>The proxy role serving Gateways of a class, or null when the class is not Skein's.</summary>
    public string? RoleOf(string className)
    {
        if (_byName.TryGetValue(className, out var resource) && resource.Spec.ControllerName != GatewayApiNames.ControllerName)
        {
            return null;
        }

        if (className == GatewayApiNames.WaypointClass)
        {
            return GatewayApiNames.WaypointRole;
        }

        return className == GatewayApiNames.IngressClass || resource is not null ? GatewayApiNames.GatewayRole : null;
    }

    /// <summary>GatewayClass resources implemented by Skein.</summary>
    public IEnumerable<GatewayClassResource> Owned => _byName.Values.Where(c => c.Spec.ControllerName == GatewayApiNames.ControllerName);

    /// <summary>The built-in classes for which no resource exists, as resources to show in the API.</summary>
    public IEnumerable<GatewayClassResource> BuiltInWithoutResource()
    {
        foreach (var (name, description) in new[] { (GatewayApiNames.IngressClass, "Skein ingress gateways (skein proxy --role gateway)"), (GatewayApiNames.WaypointClass, "Skein waypoints (skein proxy --role waypoint)") })
        {
            if (!_byName.ContainsKey(name))
            {
                var builtIn = new GatewayClassResource { Spec = { ControllerName = GatewayApiNames.ControllerName, Description = description } };
                builtIn.Metadata.Name = name;
                builtIn.Metadata.Annotations["skein.dev/built-in"] = "true";
                yield return builtIn;
            }
        }
    }
}
