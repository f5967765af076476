using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>The status ListenerSets get, and what a Gateway says about the ListenerSets attached to it.</summary>
public static class ListenerSetStatuses
{
    /// <summary>status.attachedListenerSets and the AttachedListenerSets condition, on Gateways that allow or are named by ListenerSets.</summary>
    public static void AddAttached(GatewayStatus status, GatewayState state, StatusConditions conditions)
    {
        if (AttachedCondition(state) is { } attached)
        {
            status.AttachedListenerSets = state.ListenerSets.Count;
            status.Conditions.Add(conditions.Make("AttachedListenerSets", attached.Attached, attached.Reason, attached.Message));
        }
    }

    // Only Gateways that allow ListenerSets, or that ListenerSets name, say anything about them.
    private static (bool Attached, string Reason, string Message)? AttachedCondition(GatewayState state)
    {
        var allows = (state.Resource.Spec.AllowedListeners?.Namespaces?.From ?? FromNamespaces.None) != FromNamespaces.None;
        if (state.ListenerSets.Count > 0)
        {
            return (true, "ListenerSetsAttached", $"{state.ListenerSets.Count} ListenerSet(s) attached");
        }

        if (allows)
        {
            return (false, "NoListenerSetsAttached", state.ListenerSetsTargeting > 0 ? "no ListenerSet naming this Gateway is accepted; see their status" : "no ListenerSet names this Gateway");
        }

        return state.ListenerSetsTargeting > 0 ? (false, "ListenerSetsNotAllowed", "spec.allowedListeners allows no ListenerSets") : null;
    }

    /// <summary>A ListenerSet's status: Accepted/Programmed, and each listener as judged (or as not attached).</summary>
    public static ListenerSetStatus Of(ListenerSetState state, DateTimeOffset now)
    {
        var conditions = StatusConditions.For(state.Resource, now);
        var status = new ListenerSetStatus();
        status.Conditions.Add(conditions.Make("Accepted", state.Accepted, state.AcceptedReason, state.AcceptedMessage));
        status.Conditions.Add((state.Accepted, state.Programmed) switch
        {
            (true, true) => conditions.True("Programmed", "Programmed", $"served by the proxies of Gateway {state.Parent!.Resource.Key.Namespace}/{state.Parent.Resource.Metadata.Name}"),
            (true, false) => conditions.False("Programmed", "Pending", "the parent Gateway is not programmed; see its status"),
            _ => conditions.False("Programmed", state.AcceptedReason, state.AcceptedMessage),
        });
        var judged = state.Listeners.ToDictionary(l => l.Spec.Name, StringComparer.Ordinal);
        foreach (var spec in state.Resource.Spec.Listeners)
        {
            if (!judged.TryGetValue(spec.Name, out var listener))
            {
                // Not attached (not allowed, or no accepted parent): the listeners were not judged.
                status.Listeners.Add(new ListenerStatus
                {
                    Name = spec.Name,
                    Conditions =
                    [
                        conditions.False("Accepted", state.AcceptedReason, state.AcceptedMessage),
                        conditions.False("Programmed", state.AcceptedReason, state.AcceptedMessage),
                    ],
                });
                continue;
            }

            var accepted = listener.Accepted && listener.ConflictReason is null;
            status.Listeners.Add(new ListenerStatus
            {
                Name = listener.Spec.Name,
                SupportedKinds = listener.SupportedKinds.Select(RouteKinds.ToGroupKind).ToList(),
                AttachedRoutes = listener.Routes.Count,
                Conditions =
                [
                    accepted
                        ? conditions.True("Accepted", "Accepted")
                        : conditions.False("Accepted", listener.ConflictReason ?? listener.AcceptedReason, listener.ConflictReason is null ? listener.AcceptedMessage : listener.ConflictMessage),
                    ListenerSetState.IsValid(listener) && state.Programmed
                        ? conditions.True("Programmed", "Programmed")
                        : conditions.False("Programmed", listener.ConflictReason ?? "Invalid", "the listener is not served; see its other conditions"),
                    conditions.Make("ResolvedRefs", listener.ResolvedRefs, listener.ResolvedRefsReason, listener.ResolvedRefsMessage),
                    listener.ConflictReason is { } conflict
                        ? conditions.True("Conflicted", conflict, listener.ConflictMessage)
                        : conditions.False("Conflicted", "NoConflicts", ""),
                ],
            });
        }

        return status;
    }
}
