using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Skein.Core.Resources;

/// <summary>Access log and tracing settings for selected workloads.</summary>
public sealed class TelemetryResource : Resource<TelemetrySpec, JsonObject>
{
    /// <summary>Creates an empty Telemetry.</summary>
    public TelemetryResource()
        : base(ApiVersions.SkeinV1Alpha1, "Telemetry")
    {
    }
}

/// <summary>Workloads affected and their access log and tracing configuration.</summary>
public sealed class TelemetrySpec
{
    /// <summary>Workloads it applies to; absent means the namespace (or the mesh, in the root namespace).</summary>
    public WorkloadSelector? Selector { get; set; }

    /// <summary>Access log settings.</summary>
    public List<AccessLogging> AccessLogging { get; set; } = [];

    /// <summary>Tracing settings.</summary>
    public List<TracingSettings> Tracing { get; set; } = [];
}

/// <summary>One access log configuration.</summary>
public sealed class AccessLogging
{
    /// <summary>Record encoding.</summary>
    public AccessLogFormat Format { get; set; } = AccessLogFormat.Text;

    /// <summary>Share of connections and requests logged, 0..100 (100 when absent).</summary>
    [Range(0, 100)]
    public double? SamplingPercentage { get; set; }

    /// <summary>Turns access logs off for the selected workloads.</summary>
    public bool? Disabled { get; set; }
}

/// <summary>Access log encodings.</summary>
public enum AccessLogFormat
{
    /// <summary>One human-readable line per record.</summary>
    [JsonStringEnumMemberName("TEXT")]
    Text,

    /// <summary>One JSON object per record.</summary>
    [JsonStringEnumMemberName("JSON")]
    Json,
}

/// <summary>One tracing configuration.</summary>
public sealed class TracingSettings
{
    /// <summary>Share of requests traced, 0..100.</summary>
    [Range(0, 100)]
    public double? SamplingPercentage { get; set; }

    /// <summary>OTLP collector: "host:port" (gRPC) or an http(s) URL.</summary>
    [Format(FieldFormat.Endpoint)]
    public string? OtlpEndpoint { get; set; }
}
