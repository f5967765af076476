using System.Collections.Frozen;

namespace Skein.Proxy.Telemetry;

/// <summary>How records of one scope are logged: line format, sampling, and whether they stream to the control plane.</summary>
public sealed record AccessLogPolicy(string Format, double SamplingPercentage, bool Stream)
{
    /// <summary>Whether nothing is logged or streamed at all.</summary>
    public bool Disabled => Format == "off" && !Stream;
}

/// <summary>
/// The access log policy in force: the CLI's default until the control plane pushes Telemetry resources, then the
/// most specific of workload ("ns/name"), namespace and mesh-wide.
/// </summary>
public sealed class AccessLogSettings(ProxyOptions options)
{
    private volatile Snapshot _current = Snapshot.Of(new AccessLogPolicy(options.AccessLogFormat, 100, options.AccessLogService), new Dictionary<string, AccessLogPolicy>());

    /// <summary>The CLI's default, used where no Telemetry resource applies.</summary>
    public AccessLogPolicy Default { get; } = new(options.AccessLogFormat, 100, options.AccessLogService);

    /// <summary>The policy for records of workload <paramref name="workload"/> in <paramref name="ns"/> (the mesh-wide one when neither has its own).</summary>
    public AccessLogPolicy For(string? ns, string? workload = null)
    {
        var snapshot = _current;
        if (ns is null)
        {
            return snapshot.Mesh;
        }

        // Asked for every record on the data path: keyed lookups, no key string built per record.
        if (workload is not null && snapshot.ByWorkload.Count > 0 && snapshot.ByWorkload.TryGetValue((ns, workload), out var forWorkload))
        {
            return forWorkload;
        }

        return snapshot.ByNamespace.TryGetValue(ns, out var policy) ? policy : snapshot.Mesh;
    }

    /// <summary>Replaces the pushed policies (keys: namespace, or "ns/workload"); a null mesh policy falls back to the CLI default.</summary>
    public void Replace(AccessLogPolicy? mesh, IReadOnlyDictionary<string, AccessLogPolicy> byNamespace) => _current = Snapshot.Of(mesh ?? Default, byNamespace);

    private sealed record Snapshot(AccessLogPolicy Mesh, FrozenDictionary<string, AccessLogPolicy> ByNamespace, FrozenDictionary<(string, string), AccessLogPolicy> ByWorkload)
    {
        public static Snapshot Of(AccessLogPolicy mesh, IReadOnlyDictionary<string, AccessLogPolicy> byScope) => new(
            mesh,
            byScope.Where(p => !p.Key.Contains('/', StringComparison.Ordinal)).ToFrozenDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            byScope.Where(p => p.Key.Contains('/', StringComparison.Ordinal))
                .ToFrozenDictionary(p => (p.Key[..p.Key.IndexOf('/', StringComparison.Ordinal)], p.Key[(p.Key.IndexOf('/', StringComparison.Ordinal) + 1)..]), p => p.Value));
    }
}
