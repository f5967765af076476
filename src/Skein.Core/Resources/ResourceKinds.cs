namespace Skein.Core.Resources;

/// <summary>Describes one supported kind: its CLR type, accepted apiVersions and scope.</summary>
public sealed record ResourceKindInfo(string Kind, Type ClrType, IReadOnlyList<string> ApiVersions, bool IsNamespaced)
{
    /// <summary>The apiVersion new objects of this kind get.</summary>
    public string PreferredApiVersion => ApiVersions[0];

    /// <summary>Creates an empty instance of the kind.</summary>
    public Resource Create() => (Resource)Activator.CreateInstance(ClrType)!;
}

/// <summary>The registry of kinds the loader and store accept.</summary>
public static class ResourceKinds
{
    private static readonly ResourceKindInfo[] Kinds =
    [
        Describe<NamespaceResource>(),
        Describe<ServiceResource>(),
        Describe<SecretResource>(),
        Describe<ConfigMapResource>(),
        Describe<WorkloadResource>(),
        Describe<AuthorizationPolicyResource>(),
        Describe<PeerAuthenticationResource>(),
        Describe<TrafficPolicyResource>(),
        Describe<MeshFederationResource>(),
        Describe<TelemetryResource>(),
        Describe<GatewayClassResource>(ApiVersions.GatewayV1Beta1),
        Describe<GatewayResource>(ApiVersions.GatewayV1Beta1),
        Describe<HTTPRouteResource>(ApiVersions.GatewayV1Beta1),
        Describe<GRPCRouteResource>(ApiVersions.GatewayV1Alpha2),
        Describe<TCPRouteResource>(ApiVersions.GatewayV1),
        Describe<TLSRouteResource>(ApiVersions.GatewayV1Alpha3, ApiVersions.GatewayV1),
        Describe<ReferenceGrantResource>(ApiVersions.GatewayV1Alpha2, ApiVersions.GatewayV1),
        Describe<BackendTLSPolicyResource>(ApiVersions.GatewayV1Alpha3),
        Describe<ListenerSetResource>(),
    ];

    private static readonly Dictionary<string, ResourceKindInfo> ByKind =
        Kinds.ToDictionary(k => k.Kind, StringComparer.Ordinal);

    /// <summary>All supported kinds, in registration order.</summary>
    public static IReadOnlyList<ResourceKindInfo> All => Kinds;

    /// <summary>Supported kind names, sorted ordinally (for messages and help).</summary>
    public static IReadOnlyList<string> Names { get; } = Kinds.Select(k => k.Kind).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Finds a kind by its exact (case-sensitive) name.</summary>
    public static ResourceKindInfo? Find(string kind) => ByKind.GetValueOrDefault(kind);

    /// <summary>Finds the kind describing a CLR resource type.</summary>
    public static ResourceKindInfo? Find(Type clrType) => Kinds.FirstOrDefault(k => k.ClrType == clrType);

    private static ResourceKindInfo Describe<T>(params string[] olderApiVersions)
        where T : Resource, new()
    {
        // The instance is the single source of truth for kind name, preferred version and scope.
        var sample = new T();
        return new ResourceKindInfo(sample.Kind, typeof(T), [sample.ApiVersion, .. olderApiVersions], sample.IsNamespaced);
    }
}
