namespace Skein.Core.Resources;

/// <summary>Gateway observed state.</summary>
public sealed class GatewayStatus
{
    /// <summary>Addresses bound to the Gateway.</summary>
    public List<GatewayStatusAddress> Addresses { get; set; } = [];

    /// <summary>Accepted, Programmed…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];

    /// <summary>Per-listener status.</summary>
    public List<ListenerStatus> Listeners { get; set; } = [];

    /// <summary>Number of ListenerSets attached.</summary>
    public int? AttachedListenerSets { get; set; }
}

/// <summary>An address bound to a Gateway.</summary>
public sealed class GatewayStatusAddress
{
    /// <summary>Address type.</summary>
    public string? Type { get; set; }

    /// <summary>The address.</summary>
    public string Value { get; set; } = "";
}

/// <summary>Status of one listener.</summary>
public sealed class ListenerStatus
{
    /// <summary>Listener name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Route kinds the listener supports.</summary>
    public List<RouteGroupKind> SupportedKinds { get; set; } = [];

    /// <summary>Accepted routes attached to the listener.</summary>
    public int AttachedRoutes { get; set; }

    /// <summary>Accepted, Programmed, ResolvedRefs, Conflicted…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];
}
