using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>The object that declares a listener: a Gateway, or a ListenerSet that adds listeners to one.</summary>
/// <remarks>
/// allowedRoutes "Same" and certificate ReferenceGrants are judged from the declaring object, not the Gateway
/// the listener ends up on: a ListenerSet in another namespace admits routes (and reads Secrets) as itself.
/// </remarks>
public sealed record ListenerOwner(string Kind, string Namespace, string Name)
{
    public static ListenerOwner Of(GatewayResource gateway) => new("Gateway", gateway.Key.Namespace, gateway.Metadata.Name);

    public static ListenerOwner Of(ListenerSetResource listenerSet) => new("ListenerSet", listenerSet.Key.Namespace, listenerSet.Metadata.Name);

    public bool IsListenerSet => Kind == "ListenerSet";

    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
