namespace Skein.Core.Telemetry;

/// <summary>
/// The keys of Skein's details in an ALS entry: <c>common_properties.filter_state_objects["skein"]</c> (a typed
/// <c>skein.v1alpha1.AccessLogDetails</c>, what Skein proxies send) or, in the older form still read, the Struct in
/// <c>common_properties.metadata.filter_metadata["skein"]</c>:
/// what Envoy's entry has no field for (workloads, service, failed hop, deciding policy). Consumers that do not
/// know them (SkyWalking, any ALS server) ignore them.
/// </summary>
public static class SkeinLogMetadata
{
    public const string Namespace = "skein";

    /// <summary>How Envoy's RBAC filter (and Skein) names the deciding policy in response details: <c>rbac_access_denied_matched_policy[ns/name]</c>.</summary>
    public const string RbacDeniedPrefix = "rbac_access_denied_matched_policy[";
    public const string Direction = "direction";
    public const string Node = "node";
    public const string ConnectionId = "connection_id";
    public const string SourceWorkload = "source_workload";
    public const string SourceNamespace = "source_namespace";
    public const string SourcePrincipal = "source_principal";
    public const string DestinationWorkload = "destination_workload";
    public const string DestinationNamespace = "destination_namespace";
    public const string DestinationPrincipal = "destination_principal";
    public const string DestinationService = "destination_service";
    public const string Security = "connection_security_policy";
    public const string Details = "response_code_details";
    public const string FailedHop = "failed_hop";
    public const string Policy = "policy";
    public const string Requested = "requested";
}
