using Skein.Control.Store;
using Skein.Core.Resources;
using Proto = Skein.Core.Protos.Skein;

namespace Skein.Control.Compiler;

/// <summary>Compiles Telemetry resources into one xDS resource per scope: "mesh", each namespace, each selected workload.</summary>
/// <remarks>
/// Like Istio, a Telemetry without a selector in the root namespace is mesh-wide, one in another namespace
/// covers that namespace, and one with a selector covers the matching workloads of its namespace ("ns/name");
/// when several compete for a scope, the first by name wins so the result is stable. Only the first
/// accessLogging entry is used.
/// </remarks>
public static class TelemetryCompiler
{
    public const string MeshName = "mesh";

    public static Dictionary<string, XdsResource> Compile(ConfigSnapshot snapshot)
    {
        var result = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
        var workloads = snapshot.OfType<WorkloadResource>().ToList();
        foreach (var telemetry in snapshot.OfType<TelemetryResource>().OrderBy(t => t.Metadata.Name, StringComparer.Ordinal))
        {
            var ns = telemetry.Metadata.Namespace ?? "default";
            var logging = telemetry.Spec.AccessLogging.FirstOrDefault();
            var tracing = telemetry.Spec.Tracing.FirstOrDefault();
            if (logging is null && tracing is null)
            {
                continue;
            }

            if (telemetry.Spec.Selector is { MatchLabels.Count: > 0 } selector)
            {
                foreach (var workload in workloads.Where(w => w.Metadata.Namespace == ns &&
                             selector.MatchLabels.All(l => (w.Metadata.Labels ?? []).GetValueOrDefault(l.Key) == l.Value)))
                {
                    Add(result, $"{ns}/{workload.Metadata.Name}", ns, workload.Metadata.Name, logging, tracing);
                }

                continue;
            }

            var mesh = ns == AuthorizationCompiler.RootNamespace;
            Add(result, mesh ? MeshName : ns, mesh ? "" : ns, "", logging, tracing);
        }

        return result;
    }

    private static void Add(Dictionary<string, XdsResource> result, string name, string ns, string workload, AccessLogging? logging, TracingSettings? tracing)
    {
        if (result.ContainsKey(name))
        {
            return;
        }

        var disabled = logging?.Disabled == true;
        result[name] = XdsResource.Create(name, new Proto.Telemetry
        {
            Namespace = ns,
            Workload = workload,
            Format = disabled ? Proto.Telemetry.Types.Format.Off : logging?.Format == AccessLogFormat.Json ? Proto.Telemetry.Types.Format.Json : Proto.Telemetry.Types.Format.Text,
            SamplingPercentage = logging?.SamplingPercentage ?? 100,
            StreamToControlPlane = !disabled,
            AccessLoggingUnset = logging is null,
            Tracing = tracing is not null,
            TracingSamplingPercentage = tracing?.SamplingPercentage ?? 100,
            OtlpEndpoint = tracing?.OtlpEndpoint ?? "",
        });
    }
}
