using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Xds;
using Skein.Proxy.Telemetry;
using Proto = Skein.Core.Protos.Skein;

namespace Skein.Proxy.Xds;

/// <summary>Applies <c>skein.v1alpha1.Telemetry</c>: the access log policy per workload, per namespace and mesh-wide, over the CLI default.</summary>
public sealed class TelemetryHandler(AccessLogSettings settings, TracingSettings? tracing = null) : IXdsHandler
{
    private readonly Dictionary<string, AccessLogPolicy> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TracingPolicy> _tracing = new(StringComparer.Ordinal);

    public string TypeUrl => TypeUrls.Telemetry;

    public Task ApplyAsync(IReadOnlyList<Resource> updated, IReadOnlyList<string> removed, CancellationToken ct)
    {
        var next = new Dictionary<string, AccessLogPolicy>(_held, StringComparer.Ordinal);
        var nextTracing = new Dictionary<string, TracingPolicy>(_tracing, StringComparer.Ordinal);
        foreach (var name in removed)
        {
            next.Remove(name);
            nextTracing.Remove(name);
        }

        foreach (var resource in updated)
        {
            if (resource.Resource_ is null || !resource.Resource_.TryUnpack<Proto.Telemetry>(out var telemetry))
            {
                throw new XdsRejectedException($"Telemetry {resource.Name}: body is not a {TypeUrls.Telemetry}");
            }

            if (!Enum.IsDefined(telemetry.Format) || telemetry.SamplingPercentage is < 0 or > 100 || double.IsNaN(telemetry.SamplingPercentage))
            {
                throw new XdsRejectedException($"Telemetry {resource.Name}: unknown format or sampling percentage outside 0..100");
            }

            if (telemetry.TracingSamplingPercentage is < 0 or > 100 || double.IsNaN(telemetry.TracingSamplingPercentage))
            {
                throw new XdsRejectedException($"Telemetry {resource.Name}: tracing sampling percentage outside 0..100");
            }

            nextTracing.Remove(resource.Name);
            if (telemetry.Tracing)
            {
                nextTracing[resource.Name] = new TracingPolicy(telemetry.TracingSamplingPercentage, telemetry.OtlpEndpoint.Length > 0 ? telemetry.OtlpEndpoint : null);
            }

            next.Remove(resource.Name);
            if (telemetry.AccessLoggingUnset)
            {
                continue;
            }

            var format = telemetry.Format switch
            {
                Proto.Telemetry.Types.Format.Json => "json",
                Proto.Telemetry.Types.Format.Off => "off",
                _ => "text",
            };
            next[resource.Name] = new AccessLogPolicy(format, telemetry.SamplingPercentage, telemetry.StreamToControlPlane);
        }

        _held.Clear();
        foreach (var (name, policy) in next)
        {
            _held[name] = policy;
        }

        _tracing.Clear();
        foreach (var (name, policy) in nextTracing)
        {
            _tracing[name] = policy;
        }

        tracing?.Replace(nextTracing.GetValueOrDefault("mesh"), nextTracing.Where(p => p.Key != "mesh").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        settings.Replace(next.GetValueOrDefault("mesh"), next.Where(p => p.Key != "mesh").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        return Task.CompletedTask;
    }
}
