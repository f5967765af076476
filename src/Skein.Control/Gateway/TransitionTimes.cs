using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Carries lastTransitionTime over from the previous compile for conditions whose status did not change.</summary>
/// <remarks>
/// Status is recomputed from every snapshot; without this, any config change anywhere would move every
/// condition's lastTransitionTime. metav1.Condition says it changes only when the status does.
/// </remarks>
public sealed class TransitionTimes
{
    private Dictionary<string, StatusCondition> _previous = new(StringComparer.Ordinal);

    public void Carry(IReadOnlyDictionary<ResourceKey, object> statuses)
    {
        var next = new Dictionary<string, StatusCondition>(StringComparer.Ordinal);
        foreach (var (key, status) in statuses)
        {
            foreach (var (path, condition) in Conditions(key.ToString(), status))
            {
                var id = $"{path}|{condition.Type}";
                if (_previous.TryGetValue(id, out var before) && before.Status == condition.Status)
                {
                    condition.LastTransitionTime = before.LastTransitionTime;
                }

                next[id] = condition;
            }
        }

        _previous = next;
    }

    private static IEnumerable<(string Path, StatusCondition Condition)> Conditions(string key, object status)
    {
        switch (status)
        {
            case GatewayClassStatus gatewayClass:
                return gatewayClass.Conditions.Select(c => (key, c));
            case GatewayStatus gateway:
                return gateway.Conditions.Select(c => (key, c))
                    .Concat(gateway.Listeners.SelectMany(l => l.Conditions.Select(c => ($"{key}/listener/{l.Name}", c))));
            case ListenerSetStatus listenerSet:
                return listenerSet.Conditions.Select(c => (key, c))
                    .Concat(listenerSet.Listeners.SelectMany(l => l.Conditions.Select(c => ($"{key}/listener/{l.Name}", c))));
            case RouteStatus route:
                return route.Parents.SelectMany(p => p.Conditions.Select(c =>
                    ($"{key}/parent/{p.ParentRef.Group}/{p.ParentRef.Kind}/{p.ParentRef.Namespace}/{p.ParentRef.Name}/{p.ParentRef.SectionName}/{p.ParentRef.Port}", c)));
            case PolicyStatus policy:
                return policy.Ancestors.SelectMany(a => a.Conditions.Select(c => ($"{key}/ancestor/{a.AncestorRef.Namespace}/{a.AncestorRef.Name}", c)));
            default:
                return [];
        }
    }
}
