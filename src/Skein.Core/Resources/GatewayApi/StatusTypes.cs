namespace Skein.Core.Resources;

/// <summary>A Kubernetes status condition (metav1.Condition).</summary>
public sealed class StatusCondition
{
    /// <summary>Condition type, e.g. Accepted, Programmed, ResolvedRefs.</summary>
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    public string Status { get; set; } = "Unknown";

    /// <summary>The metadata.generation the condition was computed for.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>When the status last changed.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>Machine-readable reason in CamelCase.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Human-readable detail.</summary>
    public string Message { get; set; } = "";
}

/// <summary>Status shared by all route kinds: one entry per parent.</summary>
public sealed class RouteStatus
{
    /// <summary>Per-parent status.</summary>
    public List<RouteParentStatus> Parents { get; set; } = [];
}

/// <summary>A route's status with respect to one parent.</summary>
public sealed class RouteParentStatus
{
    /// <summary>The parentRef this entry describes.</summary>
    public ParentReference ParentRef { get; set; } = new();

    /// <summary>The controller that wrote the entry, e.g. skein.dev/gateway-controller.</summary>
    public string ControllerName { get; set; } = "";

    /// <summary>Accepted, ResolvedRefs, PartiallyInvalid…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];
}

/// <summary>Status of a policy: one entry per ancestor it was evaluated against.</summary>
public sealed class PolicyStatus
{
    /// <summary>Per-ancestor status.</summary>
    public List<PolicyAncestorStatus> Ancestors { get; set; } = [];
}

/// <summary>A policy's status with respect to one ancestor (usually a Gateway).</summary>
public sealed class PolicyAncestorStatus
{
    /// <summary>The ancestor.</summary>
    public ParentReference AncestorRef { get; set; } = new();

    /// <summary>The controller that wrote the entry.</summary>
    public string ControllerName { get; set; } = "";

    /// <summary>Accepted, ResolvedRefs…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];
}
