namespace Skein.KubeApi.Emulator;

/// <summary>One served resource type: where it lives in the API and how it behaves.</summary>
public sealed record ResourceType(string Group, string[] Versions, string Plural, string Kind, bool Namespaced, bool HasStatus, string[] Verbs)
{
    /// <summary>kubectl's abbreviations (svc, po…), as the real API server advertises them.</summary>
    public string[] ShortNames { get; init; } = [];

    public string GroupVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";
}

/// <summary>The fixed set of types the emulator serves (core, Gateway API, skein.dev, TokenReview); there is no CRD registration.</summary>
public static class ResourceTypes
{
    private static readonly string[] Crud = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static readonly ResourceType[] All =
    [
        new("", ["v1"], "namespaces", "Namespace", false, true, Crud) { ShortNames = ["ns"] },
        new("", ["v1"], "nodes", "Node", false, true, Crud) { ShortNames = ["no"] },
        new("", ["v1"], "services", "Service", true, true, Crud) { ShortNames = ["svc"] },
        new("", ["v1"], "pods", "Pod", true, true, Crud) { ShortNames = ["po"] },
        new("", ["v1"], "secrets", "Secret", true, false, Crud),
        new("", ["v1"], "configmaps", "ConfigMap", true, false, Crud) { ShortNames = ["cm"] },
        new("", ["v1"], "serviceaccounts", "ServiceAccount", true, false, Crud) { ShortNames = ["sa"] },
        new("authentication.k8s.io", ["v1"], "tokenreviews", "TokenReview", false, false, ["create"]),
        new("gateway.networking.k8s.io", ["v1", "v1beta1"], "gatewayclasses", "GatewayClass", false, true, Crud),
        new("gateway.networking.k8s.io", ["v1", "v1beta1"], "gateways", "Gateway", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1", "v1beta1"], "httproutes", "HTTPRoute", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1", "v1alpha2"], "grpcroutes", "GRPCRoute", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1alpha2", "v1"], "tcproutes", "TCPRoute", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1alpha2", "v1alpha3", "v1"], "tlsroutes", "TLSRoute", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1"], "listenersets", "ListenerSet", true, true, Crud),
        new("gateway.networking.k8s.io", ["v1beta1", "v1"], "referencegrants", "ReferenceGrant", true, false, Crud),
        new("gateway.networking.k8s.io", ["v1", "v1alpha3"], "backendtlspolicies", "BackendTLSPolicy", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "workloads", "Workload", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "authorizationpolicies", "AuthorizationPolicy", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "peerauthentications", "PeerAuthentication", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "trafficpolicies", "TrafficPolicy", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "meshfederations", "MeshFederation", true, true, Crud),
        new("skein.dev", ["v1alpha1"], "telemetries", "Telemetry", true, true, Crud),
    ];

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Plural == plural && t.Versions.Contains(version));

    public static IEnumerable<string> Groups => All.Where(t => t.Group.Length > 0).Select(t => t.Group).Distinct();
}
