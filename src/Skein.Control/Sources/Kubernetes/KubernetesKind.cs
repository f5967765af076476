namespace Skein.Control.Sources.Kubernetes;

/// <summary>A resource type the Kubernetes source lists and watches: its API coordinates and whether Skein writes its status back.</summary>
public sealed record KubernetesKind(string Kind, string Group, string Version, string Plural, bool Namespaced, bool WritesStatus = false)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The kinds Skein models, plus Pods (mapped to Workloads).</summary>
    public static IReadOnlyList<KubernetesKind> All { get; } =
    [
        new("Namespace", "", "v1", "namespaces", false),
        new("Service", "", "v1", "services", true),
        new("Secret", "", "v1", "secrets", true),
        new("ConfigMap", "", "v1", "configmaps", true),
        new("Pod", "", "v1", "pods", true),
        new("GatewayClass", "gateway.networking.k8s.io", "v1", "gatewayclasses", false, WritesStatus: true),
        new("Gateway", "gateway.networking.k8s.io", "v1", "gateways", true, WritesStatus: true),
        new("HTTPRoute", "gateway.networking.k8s.io", "v1", "httproutes", true, WritesStatus: true),
        new("GRPCRoute", "gateway.networking.k8s.io", "v1", "grpcroutes", true, WritesStatus: true),
        new("TCPRoute", "gateway.networking.k8s.io", "v1alpha2", "tcproutes", true, WritesStatus: true),
        new("TLSRoute", "gateway.networking.k8s.io", "v1alpha2", "tlsroutes", true, WritesStatus: true),
        new("ReferenceGrant", "gateway.networking.k8s.io", "v1beta1", "referencegrants", true),
        new("BackendTLSPolicy", "gateway.networking.k8s.io", "v1", "backendtlspolicies", true, WritesStatus: true),
        new("ListenerSet", "gateway.networking.k8s.io", "v1", "listenersets", true, WritesStatus: true),
        new("Workload", "skein.dev", "v1alpha1", "workloads", true),
        new("AuthorizationPolicy", "skein.dev", "v1alpha1", "authorizationpolicies", true),
        new("PeerAuthentication", "skein.dev", "v1alpha1", "peerauthentications", true),
        new("TrafficPolicy", "skein.dev", "v1alpha1", "trafficpolicies", true),
        new("MeshFederation", "skein.dev", "v1alpha1", "meshfederations", true, WritesStatus: true),
        new("Telemetry", "skein.dev", "v1alpha1", "telemetries", true),
    ];

    public static KubernetesKind? Find(string kind) => All.FirstOrDefault(k => k.Kind == kind);
}
