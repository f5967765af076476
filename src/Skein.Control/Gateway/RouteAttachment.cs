using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>The outcome of attaching a route to one Gateway or ListenerSet parentRef: the listeners it joins, or why none.</summary>
public sealed record AttachmentResult(IReadOnlyList<(ListenerState Listener, IReadOnlyList<string> Hostnames)> Listeners, string Reason, string Message)
{
    public bool Accepted => Listeners.Count > 0;
}

/// <summary>Gateway API attachment: sectionName and port select listeners, allowedRoutes admits, hostnames must intersect.</summary>
public static class RouteAttachment
{
    /// <summary>Attaches to <paramref name="listeners"/>, the listeners <paramref name="owner"/> (the parent) declares.</summary>
    public static AttachmentResult Attach(RouteInfo route, ParentReference parent, ListenerOwner owner, IReadOnlyList<ListenerState> listeners, NamespaceLabels namespaces)
    {
        var candidates = listeners
            .Where(l => parent.SectionName is null || l.Spec.Name == parent.SectionName)
            .Where(l => parent.Port is null || l.Spec.Port == parent.Port)
            .ToList();
        if (candidates.Count == 0)
        {
            var what = (parent.SectionName, parent.Port) switch
            {
                (not null, not null) => $"listener {parent.SectionName} on port {parent.Port}",
                (not null, null) => $"listener {parent.SectionName}",
                _ => $"listener on port {parent.Port}",
            };
            return Fail("NoMatchingParent", $"{owner} has no {what}");
        }

        var allowed = candidates
            .Where(l => l.Accepted && l.ConflictReason is null && l.SupportedKinds.Contains(route.Kind) && NamespaceAllowed(l.Spec, owner.Namespace, route.Namespace, namespaces))
            .ToList();
        if (allowed.Count == 0)
        {
            return Fail("NotAllowedByListeners", $"no listener of {owner} admits {route.Kind}s from namespace {route.Namespace}");
        }

        var attached = new List<(ListenerState, IReadOnlyList<string>)>();
        foreach (var listener in allowed)
        {
            if (HostnameIntersection.Intersect(listener.Spec.Hostname, route.Hostnames) is { } hostnames)
            {
                attached.Add((listener, hostnames));
            }
        }

        return attached.Count == 0
            ? Fail("NoMatchingListenerHostname", $"no hostname of the route matches a listener of {owner}")
            : new AttachmentResult(attached, "Accepted", "");
    }

    /// <summary>
    /// allowedRoutes.namespaces: Same (the default: the namespace of the Gateway or ListenerSet declaring the
    /// listener), All, or Selector over the route namespace's labels.
    /// </summary>
    public static bool NamespaceAllowed(Listener listener, string ownerNamespace, string routeNamespace, NamespaceLabels namespaces)
    {
        var from = listener.AllowedRoutes?.Namespaces;
        return (from?.From ?? FromNamespaces.Same) switch
        {
            FromNamespaces.All => true,
            FromNamespaces.Selector => from!.Selector is { } selector && LabelSelectorMatcher.Matches(selector, namespaces.Of(routeNamespace)),
            FromNamespaces.Same => routeNamespace == ownerNamespace,
            _ => false,
        };
    }

    private static AttachmentResult Fail(string reason, string message) => new([], reason, message);
}
