namespace Skein.Core.Resources;

/// <summary>The apiVersion strings Skein understands.</summary>
public static class ApiVersions
{
    /// <summary>Kubernetes core group.</summary>
    public const string CoreV1 = "v1";

    /// <summary>Skein's own kinds.</summary>
    public const string SkeinV1Alpha1 = "skein.dev/v1alpha1";

    /// <summary>Gateway API group name.</summary>
    public const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>Gateway API standard channel.</summary>
    public const string GatewayV1 = GatewayGroup + "/v1";

    /// <summary>Gateway API beta version (older manifests).</summary>
    public const string GatewayV1Beta1 = GatewayGroup + "/v1beta1";

    /// <summary>Gateway API experimental version used by TCPRoute, TLSRoute and older ReferenceGrants.</summary>
    public const string GatewayV1Alpha2 = GatewayGroup + "/v1alpha2";

    /// <summary>Gateway API experimental version used by older TLSRoute and BackendTLSPolicy.</summary>
    public const string GatewayV1Alpha3 = GatewayGroup + "/v1alpha3";

    /// <summary>Skein's API group name.</summary>
    public const string SkeinGroup = "skein.dev";
}
