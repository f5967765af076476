using Skein.Core.Protos.Workload;

namespace Skein.Proxy.Telemetry;

/// <summary>Istio's standard labels for TCP metrics, so existing dashboards and Kiali read Skein's series unchanged.</summary>
public sealed record TcpLabels(
    string Reporter,
    string SourceWorkload,
    string SourceWorkloadNamespace,
    string SourcePrincipal,
    string SourceCanonicalService,
    string SourceCanonicalRevision,
    string DestinationWorkload,
    string DestinationWorkloadNamespace,
    string DestinationPrincipal,
    string DestinationCanonicalService,
    string DestinationCanonicalRevision,
    string DestinationService,
    string DestinationServiceName,
    string DestinationServiceNamespace,
    string ConnectionSecurityPolicy,
    string ResponseFlags)
{
    public const string Unknown = "unknown";

    public static TcpLabels For(string reporter, Workload? source, string? sourcePrincipal, Workload? destination, string? destinationPrincipal,
        Service? service, bool mutualTls, string responseFlags = "-") => new(
        reporter,
        source?.WorkloadName is { Length: > 0 } sw ? sw : source?.Name ?? Unknown,
        source?.Namespace ?? Unknown,
        sourcePrincipal ?? Unknown,
        source?.CanonicalName ?? Unknown,
        source?.CanonicalRevision ?? Unknown,
        destination?.WorkloadName is { Length: > 0 } dw ? dw : destination?.Name ?? Unknown,
        destination?.Namespace ?? Unknown,
        destinationPrincipal ?? Unknown,
        destination?.CanonicalName ?? Unknown,
        destination?.CanonicalRevision ?? Unknown,
        service?.Hostname ?? Unknown,
        service?.Name ?? Unknown,
        service?.Namespace ?? Unknown,
        mutualTls ? "mutual_tls" : "none",
        responseFlags);

    /// <summary>The label set in Prometheus exposition form, values escaped.</summary>
    public string Render() =>
        $"reporter=\"{Escape(Reporter)}\",source_workload=\"{Escape(SourceWorkload)}\",source_workload_namespace=\"{Escape(SourceWorkloadNamespace)}\"," +
        $"source_principal=\"{Escape(SourcePrincipal)}\",source_canonical_service=\"{Escape(SourceCanonicalService)}\",source_canonical_revision=\"{Escape(SourceCanonicalRevision)}\"," +
        $"destination_workload=\"{Escape(DestinationWorkload)}\",destination_workload_namespace=\"{Escape(DestinationWorkloadNamespace)}\"," +
        $"destination_principal=\"{Escape(DestinationPrincipal)}\",destination_canonical_service=\"{Escape(DestinationCanonicalService)}\"," +
        $"destination_canonical_revision=\"{Escape(DestinationCanonicalRevision)}\",destination_service=\"{Escape(DestinationService)}\"," +
        $"destination_service_name=\"{Escape(DestinationServiceName)}\",destination_service_namespace=\"{Escape(DestinationServiceNamespace)}\"," +
        $"request_protocol=\"tcp\",response_flags=\"{Escape(ResponseFlags)}\",connection_security_policy=\"{Escape(ConnectionSecurityPolicy)}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
