using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>A ListenerSet as judged against its parent Gateway: whether it attached, and its listeners.</summary>
public sealed class ListenerSetState(ListenerSetResource resource, GatewayState? parent)
{
    public ListenerSetResource Resource { get; } = resource;

    /// <summary>The parent when it is a Skein Gateway; null when it does not exist.</summary>
    public GatewayState? Parent { get; } = parent;

    public ListenerOwner Owner { get; } = ListenerOwner.Of(resource);

    /// <summary>The listeners, judged only when the ListenerSet may attach (empty otherwise).</summary>
    public List<ListenerState> Listeners { get; } = [];

    /// <summary>Accepted: allowed by the parent, and at least one listener valid.</summary>
    public bool Accepted { get; set; }

    public string AcceptedReason { get; set; } = "Accepted";

    public string AcceptedMessage { get; set; } = "";

    /// <summary>Older ListenerSets take precedence; one without a timestamp counts as oldest.</summary>
    public DateTimeOffset Created => Resource.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue;

    /// <summary>Whether proxies serve its valid listeners: accepted, on a programmed Gateway.</summary>
    public bool Programmed => Accepted && Parent is { Programmed: true };

    /// <summary>
    /// A listener is valid when proxies can serve it. One that lost a conflict to a listener of higher
    /// precedence is not accepted (the Gateway's own conflicting listeners keep Accepted and report Conflicted).
    /// </summary>
    public static bool IsValid(ListenerState listener) => listener.Programmed;
}
