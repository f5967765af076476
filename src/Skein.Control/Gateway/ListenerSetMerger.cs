using Skein.Control.Store;
using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>
/// Attaches ListenerSets to their parent Gateways (GEP-1713): the Gateway's spec.allowedListeners admits them by
/// namespace, and their listeners are merged after the Gateway's own in precedence order (creationTimestamp, then
/// namespace/name); a listener that conflicts with one merged before it (another protocol on the port, or the
/// same hostname) is rejected and the earlier one keeps serving.
/// </summary>
public static class ListenerSetMerger
{
    public static Dictionary<ResourceKey, ListenerSetState> Merge(ConfigSnapshot snapshot, IReadOnlyDictionary<ResourceKey, GatewayState> gateways, GatewayApiContext context)
    {
        var allGateways = snapshot.OfType<GatewayResource>().Select(g => g.Key).ToHashSet();
        var ordered = snapshot.OfType<ListenerSetResource>()
            .OrderBy(l => l.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(l => l.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(l => l.Metadata.Name, StringComparer.Ordinal);
        var merged = gateways.Values.ToDictionary(g => g.Resource.Key, g => g.Listeners.Where(l => l.Accepted).ToList());
        var result = new Dictionary<ResourceKey, ListenerSetState>();
        foreach (var listenerSet in ordered)
        {
            var parentRef = listenerSet.Spec.ParentRef;
            var parentKey = new ResourceKey("Gateway", parentRef.Namespace ?? listenerSet.Key.Namespace, parentRef.Name);
            if (!gateways.TryGetValue(parentKey, out var gateway))
            {
                if (allGateways.Contains(parentKey))
                {
                    continue; // another controller's Gateway: the ListenerSet's status is not ours to write
                }

                result[listenerSet.Key] = Rejected(listenerSet, null, "ParentNotAccepted", $"Gateway {parentKey.Namespace}/{parentKey.Name} does not exist");
                continue;
            }

            gateway.ListenerSetsTargeting++;
            if (!gateway.Accepted)
            {
                result[listenerSet.Key] = Rejected(listenerSet, gateway, "ParentNotAccepted", $"Gateway {parentKey.Namespace}/{parentKey.Name} is not accepted ({gateway.AcceptedReason})");
                continue;
            }

            if (!Allowed(gateway.Resource, listenerSet.Key.Namespace, context.Namespaces))
            {
                var from = gateway.Resource.Spec.AllowedListeners?.Namespaces?.From ?? FromNamespaces.None;
                result[listenerSet.Key] = Rejected(listenerSet, gateway, "NotAllowed", from == FromNamespaces.None
                    ? $"Gateway {parentKey.Namespace}/{parentKey.Name} allows no ListenerSets (spec.allowedListeners)"
                    : $"Gateway {parentKey.Namespace}/{parentKey.Name} does not allow ListenerSets from namespace {listenerSet.Key.Namespace} (spec.allowedListeners.namespaces.from: {from})");
                continue;
            }

            var state = new ListenerSetState(listenerSet, gateway);
            state.Listeners.AddRange(ListenerBuilder.Judge(listenerSet.Spec.Listeners, state.Owner, gateway.Resource, hboneAllowed: false, context));
            var onGateway = merged[parentKey];
            foreach (var listener in state.Listeners.Where(l => l.Accepted))
            {
                if (gateway.Role == GatewayApiNames.WaypointRole && listener.Spec.Port == GatewayApiNames.HbonePort)
                {
                    // A waypoint receives HBONE there; its proxies would refuse a listener on the port.
                    (listener.ConflictReason, listener.ConflictMessage) = ("ProtocolConflict", $"port {GatewayApiNames.HbonePort} is the waypoint's HBONE port");
                }
                else if (ListenerBuilder.ConflictWith(listener, onGateway) is { } conflict)
                {
                    (listener.ConflictReason, listener.ConflictMessage) = conflict;
                }
                else
                {
                    onGateway.Add(listener);
                }
            }

            var valid = state.Listeners.Count(ListenerSetState.IsValid);
            state.Accepted = valid > 0;
            (state.AcceptedReason, state.AcceptedMessage) = valid switch
            {
                0 => ("ListenersNotValid", "no listener is valid; see their conditions"),
                _ when valid < state.Listeners.Count => ("ListenersNotValid", "some listeners are not valid; see their conditions"),
                _ => ("Accepted", ""),
            };
            if (state.Accepted)
            {
                gateway.ListenerSets.Add(state);
            }

            result[listenerSet.Key] = state;
        }

        return result;
    }

    /// <summary>spec.allowedListeners.namespaces: None (the default), Same, All, or Selector over the ListenerSet namespace's labels.</summary>
    public static bool Allowed(GatewayResource gateway, string listenerSetNamespace, NamespaceLabels namespaces)
    {
        var from = gateway.Spec.AllowedListeners?.Namespaces;
        return (from?.From ?? FromNamespaces.None) switch
        {
            FromNamespaces.All => true,
            FromNamespaces.Same => listenerSetNamespace == gateway.Key.Namespace,
            FromNamespaces.Selector => from!.Selector is { } selector && LabelSelectorMatcher.Matches(selector, namespaces.Of(listenerSetNamespace)),
            _ => false,
        };
    }

    private static ListenerSetState Rejected(ListenerSetResource listenerSet, GatewayState? gateway, string reason, string message) =>
        new(listenerSet, gateway) { Accepted = false, AcceptedReason = reason, AcceptedMessage = message };
}
