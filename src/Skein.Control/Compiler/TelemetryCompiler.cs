using Skein.Control.Store;
using Skein.Core.Resources;
using Proto = Skein.Core.Protos.Skein;

namespace Skein.Control.Compiler;

/// <summary>Compiles Telemetry resources into one xDS resource per scope: "mesh" (root namespace) and each namespace.</summary>
/// <remarks>
/// Like Istio, a Telemetry without a selector in the root namespace is mesh-wide and one in another namespace
/// covers that namespace; when several compete, the oldest-named (alphabetical) wins so the result is stable.
/// Selector-scoped Telemetry resources are not compiled yet (a node proxy serves many workloads per scope).
/// Only the first accessLogging entry is used.
/// </remarks>
public static class TelemetryCompiler
{
    public const string MeshName = "mesh";

    public static Dictionary<string, XdsResource> Compile(ConfigSnapshot snapshot)
    {
        var result = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
        foreach (var telemetry in snapshot.OfType<TelemetryResource>()
                     .Where(t => t.Spec.Selector is not { MatchLabels.Count: > 0 })
                     .OrderBy(t => t.Metadata.Name, StringComparer.Ordinal))
        {
            var ns = telemetry.Metadata.Namespace ?? "default";
            var name = ns == AuthorizationCompiler.RootNamespace ? MeshName : ns;
            if (result.ContainsKey(name) || telemetry.Spec.AccessLogging.FirstOrDefault() is not { } logging)
            {
                continue;
            }

            var disabled = logging.Disabled == true;
            result[name] = XdsResource.Create(name, new Proto.Telemetry
            {
                Namespace = name == MeshName ? "" : ns,
                Format = disabled ? Proto.Telemetry.Types.Format.Off : logging.Format == AccessLogFormat.Json ? Proto.Telemetry.Types.Format.Json : Proto.Telemetry.Types.Format.Text,
                SamplingPercentage = logging.SamplingPercentage ?? 100,
                StreamToControlPlane = !disabled,
            });
        }

        return result;
    }
}
