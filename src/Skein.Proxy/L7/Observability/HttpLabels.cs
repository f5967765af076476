using System.Globalization;
using Skein.Core.Protos.Workload;

namespace Skein.Proxy.L7.Observability;

/// <summary>Istio's standard labels for HTTP metrics, in the order Istio's own exposition uses (TcpLabels' style plus response code).</summary>
public sealed record HttpLabels(
    string Reporter,
    string SourceWorkload,
    string SourceWorkloadNamespace,
    string SourcePrincipal,
    string DestinationWorkload,
    string DestinationWorkloadNamespace,
    string DestinationPrincipal,
    string DestinationCanonicalService,
    string DestinationCanonicalRevision,
    string DestinationService,
    string DestinationServiceName,
    string DestinationServiceNamespace,
    string RequestProtocol,
    int ResponseCode,
    string ResponseFlags,
    string ConnectionSecurityPolicy)
{
    public const string Unknown = "unknown";

    public static HttpLabels For(string reporter, string gatewayName, string gatewayNamespace, string? gatewayPrincipal, Workload? destination,
        string? destinationPrincipal, Service? service, string protocol, int code, string flags, string security) => new(
        reporter,
        gatewayName,
        gatewayNamespace,
        gatewayPrincipal ?? Unknown,
        destination?.WorkloadName is { Length: > 0 } dw ? dw : destination?.Name ?? Unknown,
        destination?.Namespace ?? Unknown,
        destinationPrincipal ?? Unknown,
        destination?.CanonicalName is { Length: > 0 } cn ? cn : Unknown,
        destination?.CanonicalRevision is { Length: > 0 } cr ? cr : Unknown,
        service?.Hostname ?? Unknown,
        service?.Name ?? Unknown,
        service?.Namespace ?? Unknown,
        protocol,
        code,
        flags,
        security);

    public string Render() =>
        $"reporter=\"{Escape(Reporter)}\",source_workload=\"{Escape(SourceWorkload)}\",source_workload_namespace=\"{Escape(SourceWorkloadNamespace)}\"," +
        $"source_principal=\"{Escape(SourcePrincipal)}\",source_canonical_service=\"{Escape(SourceWorkload)}\",source_canonical_revision=\"latest\"," +
        $"destination_workload=\"{Escape(DestinationWorkload)}\",destination_workload_namespace=\"{Escape(DestinationWorkloadNamespace)}\"," +
        $"destination_principal=\"{Escape(DestinationPrincipal)}\",destination_canonical_service=\"{Escape(DestinationCanonicalService)}\"," +
        $"destination_canonical_revision=\"{Escape(DestinationCanonicalRevision)}\",destination_service=\"{Escape(DestinationService)}\"," +
        $"destination_service_name=\"{Escape(DestinationServiceName)}\",destination_service_namespace=\"{Escape(DestinationServiceNamespace)}\"," +
        $"request_protocol=\"{Escape(RequestProtocol)}\",response_code=\"{ResponseCode.ToString(CultureInfo.InvariantCulture)}\",grpc_response_status=\"\"," +
        $"response_flags=\"{Escape(ResponseFlags)}\",connection_security_policy=\"{Escape(ConnectionSecurityPolicy)}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
