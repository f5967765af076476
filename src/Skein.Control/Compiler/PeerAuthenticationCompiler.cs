using System.Globalization;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Compiler;

/// <summary>Resolves PeerAuthentication into one mode per workload (and per target port), Istio's precedence.</summary>
/// <remarks>
/// The most specific policy wins: one selecting the workload, then its namespace's, then the root
/// namespace's; UNSET inherits from the next level. With no policy at all the mode is STRICT: mTLS is the
/// default and plaintext is always an explicit, visible decision.
/// </remarks>
public static class PeerAuthenticationCompiler
{
    /// <summary>Whether <paramref name="policy"/> has a selector and it picks <paramref name="workload"/> (same namespace, every label).</summary>
    public static bool SelectorMatches(PeerAuthenticationResource policy, WorkloadResource workload) =>
        policy.Metadata.Namespace == workload.Metadata.Namespace && policy.Spec.Selector is { MatchLabels.Count: > 0 } selector &&
        selector.MatchLabels.All(l => workload.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    public static SkeinProto.WorkloadMtls Resolve(WorkloadResource workload, IReadOnlyList<PeerAuthenticationResource> policies, string uid)
    {
        var ns = workload.Metadata.Namespace;
        // Most specific first; within a level, name order keeps the result deterministic.
        var chain = policies
            .Where(p => SelectorMatches(p, workload))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Take(1)
            .Concat(policies.Where(p => p.Metadata.Namespace == ns && p.Spec.Selector is not { MatchLabels.Count: > 0 }).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).Take(1))
            .Concat(policies.Where(p => p.Metadata.Namespace == AuthorizationCompiler.RootNamespace && p.Spec.Selector is not { MatchLabels.Count: > 0 }).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).Take(1))
            .ToList();

        var result = new SkeinProto.WorkloadMtls { WorkloadUid = uid, Mode = SkeinProto.MtlsMode.Strict };
        result.Policies.AddRange(chain.Select(p => $"{p.Metadata.Namespace}/{p.Metadata.Name}"));
        var decided = false;
        foreach (var policy in chain)
        {
            if (!decided && policy.Spec.Mtls is { Mode: not MtlsMode.Unset } mtls)
            {
                result.Mode = ToProto(mtls.Mode);
                decided = true;
            }

            foreach (var (port, mode) in policy.Spec.PortLevelMtls ?? [])
            {
                var number = uint.Parse(port, CultureInfo.InvariantCulture);
                if (mode.Mode != MtlsMode.Unset && !result.Ports.ContainsKey(number))
                {
                    result.Ports[number] = ToProto(mode.Mode);
                }
            }
        }

        foreach (var same in result.Ports.Where(p => p.Value == result.Mode).Select(p => p.Key).ToList())
        {
            result.Ports.Remove(same);
        }

        return result;
    }

    private static SkeinProto.MtlsMode ToProto(MtlsMode mode) => mode switch
    {
        MtlsMode.Permissive => SkeinProto.MtlsMode.Permissive,
        MtlsMode.Disable => SkeinProto.MtlsMode.Disable,
        _ => SkeinProto.MtlsMode.Strict,
    };
}
