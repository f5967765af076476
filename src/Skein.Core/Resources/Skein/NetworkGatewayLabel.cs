namespace Skein.Core.Resources;

/// <summary>
/// The <c>skein.dev/network-gateway</c> label: a Workload whose node proxy relays federated peers' HBONE tunnels to this
/// mesh's workloads (an east-west gateway, where a peer's <c>MeshFederation.spec.networkGateway</c> points).
/// </summary>
/// <remarks>
/// The control plane publishes it as a workload <c>extensions</c> entry of the same name (Istio's workload API has the field
/// and no meaning for this), so readers that do not know it ignore it.
/// </remarks>
public static class NetworkGatewayLabel
{
    public const string Label = "skein.dev/network-gateway";

    /// <summary>The name of the workload extension that marks a network gateway in xDS.</summary>
    public const string ExtensionName = Label;

    public static bool IsValid(string value) => value is "true" or "false";

    /// <summary>Whether <paramref name="workload"/> relays peers' tunnels.</summary>
    public static bool IsSet(WorkloadResource workload) => workload.Metadata.Labels.GetValueOrDefault(Label) == "true";
}
