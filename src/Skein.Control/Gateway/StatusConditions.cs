using Skein.Core.Resources;

namespace Skein.Control.Gateway;

/// <summary>Builds metav1.Conditions for one object at one generation.</summary>
/// <remarks>
/// Status is recomputed from each snapshot rather than stored, so there is no previous condition to
/// compare with; the transition time is the time of the compile that produced it.
/// </remarks>
public sealed class StatusConditions(long observedGeneration, DateTimeOffset now)
{
    /// <summary>The conditions of a resource, with observedGeneration from metadata.generation (1 when unset).</summary>
    public static StatusConditions For(Resource resource, DateTimeOffset now) =>
        new(resource.Metadata.Generation > 0 ? resource.Metadata.Generation : 1, now);

    public StatusCondition True(string type, string reason, string message = "") => Make(type, "True", reason, message);

    public StatusCondition False(string type, string reason, string message) => Make(type, "False", reason, message);

    public StatusCondition Make(string type, bool status, string reason, string message) =>
        Make(type, status ? "True" : "False", reason, message);

    private StatusCondition Make(string type, string status, string reason, string message) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        ObservedGeneration = observedGeneration,
        LastTransitionTime = now,
    };
}
