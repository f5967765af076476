using System.Net;
using Skein.Control.Compiler;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>One Gateway implemented by Skein: where it runs, its addresses and its L7 resource.</summary>
public sealed record CompiledGateway(
    GatewayResource Resource,
    string Role,
    string Node,
    IReadOnlyList<IPAddress> Addresses,
    SkeinProto.Gateway Proto)
{
    /// <summary>The xDS name, "namespace/name".</summary>
    public string Name => $"{Resource.Key.Namespace}/{Resource.Metadata.Name}";

    /// <summary>The Gateway's namespace; with its name, the identity the CA may issue to proxies on <see cref="Node"/>.</summary>
    public string Namespace => Resource.Key.Namespace;

    public XdsResource ToXds() => XdsResource.Create(Name, Proto);
}

/// <summary>Everything the Gateway API compiler derived from one snapshot: Gateways to serve and status to show.</summary>
public sealed class GatewayApiResult(
    IReadOnlyList<CompiledGateway> gateways,
    IReadOnlyDictionary<ResourceKey, object> statuses,
    IReadOnlyList<Resource> builtInResources)
{
    public static readonly GatewayApiResult Empty = new([], new Dictionary<ResourceKey, object>(), []);

    public IReadOnlyList<CompiledGateway> Gateways { get; } = gateways;

    /// <summary>Computed status by resource key (GatewayStatus, GatewayClassStatus, RouteStatus).</summary>
    public IReadOnlyDictionary<ResourceKey, object> Statuses { get; } = statuses;

    /// <summary>Resources that exist implicitly (the built-in GatewayClasses), shown by the API with their status.</summary>
    public IReadOnlyList<Resource> BuiltInResources { get; } = builtInResources;

    /// <summary>The waypoint each Service uses (by Service key).</summary>
    public IReadOnlyDictionary<ResourceKey, CompiledGateway> ServiceWaypoints { get; init; } = new Dictionary<ResourceKey, CompiledGateway>();

    /// <summary>The waypoint each explicitly labelled Workload uses (by Workload key).</summary>
    public IReadOnlyDictionary<ResourceKey, CompiledGateway> WorkloadWaypoints { get; init; } = new Dictionary<ResourceKey, CompiledGateway>();
}
