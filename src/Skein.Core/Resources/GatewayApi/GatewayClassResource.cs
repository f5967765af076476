using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>A Gateway API GatewayClass (cluster-scoped): which controller implements Gateways of the class.</summary>
public sealed class GatewayClassResource : Resource<GatewayClassSpec, GatewayClassStatus>
{
    /// <summary>Creates an empty GatewayClass.</summary>
    public GatewayClassResource()
        : base(ApiVersions.GatewayV1, "GatewayClass")
    {
    }

    /// <inheritdoc />
    [JsonIgnore]
    public override bool IsNamespaced => false;
}

/// <summary>GatewayClass desired state.</summary>
public sealed class GatewayClassSpec
{
    /// <summary>Controller name (domain/path), e.g. skein.dev/gateway-controller.</summary>
    [Required]
    [MaxLength(253)]
    public string ControllerName { get; set; } = "";

    /// <summary>Controller-specific parameters.</summary>
    public ParametersReference? ParametersRef { get; set; }

    /// <summary>Free-text description.</summary>
    [MaxLength(64)]
    public string? Description { get; set; }
}

/// <summary>GatewayClass observed state.</summary>
public sealed class GatewayClassStatus
{
    /// <summary>Accepted, SupportedVersion…</summary>
    public List<StatusCondition> Conditions { get; set; } = [];

    /// <summary>Gateway API features the controller supports.</summary>
    public List<SupportedFeature> SupportedFeatures { get; set; } = [];
}

/// <summary>A supported Gateway API feature name.</summary>
public sealed class SupportedFeature
{
    /// <summary>Feature name, e.g. HTTPRouteQueryParamMatching.</summary>
    public string Name { get; set; } = "";
}
