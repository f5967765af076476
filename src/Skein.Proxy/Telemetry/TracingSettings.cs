using System.Collections.Immutable;

namespace Skein.Proxy.Telemetry;

/// <summary>How requests of one scope are traced: the share of new traces sampled, and where spans are exported (null: the proxy's own).</summary>
public sealed record TracingPolicy(double SamplingPercentage, string? OtlpEndpoint);

/// <summary>
/// The tracing policy in force: the CLI's (<c>--otlp-endpoint</c>, 100 % sampling) until the control plane pushes
/// Telemetry resources with tracing, then the most specific of namespace and mesh-wide for sampling; the export
/// endpoint is proxy-wide (the mesh-wide resource's, else the CLI's) because one exporter serves every request.
/// </summary>
public sealed class TracingSettings(ProxyOptions options)
{
    private volatile Snapshot _current = new(null, ImmutableDictionary<string, TracingPolicy>.Empty);

    /// <summary>Raised after <see cref="Replace"/> changed the policies.</summary>
    public event Action? Changed;

    /// <summary>Where spans go: the mesh-wide Telemetry's OTLP endpoint, else <c>--otlp-endpoint</c>; null when nowhere.</summary>
    public string? OtlpEndpoint => _current.Mesh?.OtlpEndpoint ?? options.OtlpEndpoint;

    /// <summary>The share (0..100) of new traces sampled for requests handled for <paramref name="ns"/>.</summary>
    public double SamplingPercentage(string? ns)
    {
        var snapshot = _current;
        if (ns is not null && snapshot.ByNamespace.TryGetValue(ns, out var policy))
        {
            return policy.SamplingPercentage;
        }

        return snapshot.Mesh?.SamplingPercentage ?? options.TraceSamplingPercentage;
    }

    /// <summary>Replaces the pushed policies (keys: namespace, or "ns/workload").</summary>
    public void Replace(TracingPolicy? mesh, IReadOnlyDictionary<string, TracingPolicy> byNamespace)
    {
        _current = new Snapshot(mesh, byNamespace.ToImmutableDictionary(StringComparer.Ordinal));
        Changed?.Invoke();
    }

    private sealed record Snapshot(TracingPolicy? Mesh, ImmutableDictionary<string, TracingPolicy> ByNamespace);
}
