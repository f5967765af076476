using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Istio-shaped authorization: allow, deny or audit requests to selected workloads.</summary>
public sealed class AuthorizationPolicyResource : Resource<AuthorizationPolicySpec, JsonObject>
{
    /// <summary>Creates an empty AuthorizationPolicy.</summary>
    public AuthorizationPolicyResource()
        : base(ApiVersions.SkeinV1Alpha1, "AuthorizationPolicy")
    {
    }
}

/// <summary>Which workloads the policy protects, what it does, and the rules that trigger it.</summary>
public sealed class AuthorizationPolicySpec
{
    /// <summary>Workloads in the policy's namespace it applies to; absent with no targetRefs means the whole namespace.</summary>
    public WorkloadSelector? Selector { get; set; }

    /// <summary>Gateways or Services the policy applies to (waypoint enforcement); exclusive with selector.</summary>
    public List<PolicyTargetReference> TargetRefs { get; set; } = [];

    /// <summary>What happens when a rule matches.</summary>
    public AuthorizationAction Action { get; set; } = AuthorizationAction.Allow;

    /// <summary>Rules; a request matches the policy when any rule matches.</summary>
    public List<AuthorizationRule> Rules { get; set; } = [];
}

/// <summary>Authorization policy actions.</summary>
public enum AuthorizationAction
{
    /// <summary>Allow matching requests (and deny others, once any ALLOW policy applies).</summary>
    [JsonStringEnumMemberName("ALLOW")]
    Allow,

    /// <summary>Deny matching requests; evaluated before ALLOW.</summary>
    [JsonStringEnumMemberName("DENY")]
    Deny,

    /// <summary>Log matching requests without affecting the decision.</summary>
    [JsonStringEnumMemberName("AUDIT")]
    Audit,
}
