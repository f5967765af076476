using Skein.Control.Gateway;
using Skein.Core.Resources;

namespace Skein.Control.Compiler;

/// <summary>
/// Configuration that cannot take effect because it is about workloads outside the mesh (<c>skein.dev/dataplane-mode: none</c>):
/// policies that select only such workloads (no proxy serves them, so nothing enforces the policy) and waypoint labels on them.
/// </summary>
public static class OutsideMeshWarnings
{
    public static IEnumerable<string> Of(IReadOnlyCollection<Resource> resources)
    {
        var outsideMesh = DataplaneMode.OutsideMeshTest(resources);
        var workloads = resources.OfType<WorkloadResource>().ToList();
        var services = resources.OfType<ServiceResource>().ToList();

        foreach (var policy in resources.OfType<AuthorizationPolicyResource>())
        {
            // Policies attached to a Gateway (a waypoint) are enforced there, whatever the destination.
            if (policy.Spec.TargetRefs.Count > 0 && policy.Spec.Selector is not { MatchLabels.Count: > 0 })
            {
                continue;
            }

            var selected = AuthorizationCompiler.IsSelectorScoped(policy)
                ? workloads.Where(w => AuthorizationCompiler.AppliesTo(policy, w, services))
                : InNamespace(workloads, policy.Metadata.Namespace);
            if (OnlyOutside(selected.ToList(), outsideMesh))
            {
                yield return $"AuthorizationPolicy {policy.Metadata.Namespace}/{policy.Metadata.Name} selects only workloads outside the mesh ({DataplaneMode.Label}: {DataplaneMode.None}); it cannot be enforced: no proxy serves them";
            }
        }

        foreach (var policy in resources.OfType<PeerAuthenticationResource>())
        {
            var selected = policy.Spec.Selector is { MatchLabels.Count: > 0 }
                ? workloads.Where(w => PeerAuthenticationCompiler.SelectorMatches(policy, w))
                : InNamespace(workloads, policy.Metadata.Namespace);
            if (OnlyOutside(selected.ToList(), outsideMesh))
            {
                yield return $"PeerAuthentication {policy.Metadata.Namespace}/{policy.Metadata.Name} selects only workloads outside the mesh ({DataplaneMode.Label}: {DataplaneMode.None}); it cannot be enforced: no proxy serves them";
            }
        }

        foreach (var workload in workloads.Where(w => outsideMesh(w) && w.Metadata.Labels.ContainsKey(GatewayApiNames.UseWaypointLabel)))
        {
            yield return $"Workload {workload.Metadata.Namespace}/{workload.Metadata.Name} is outside the mesh ({DataplaneMode.Label}: {DataplaneMode.None}): " +
                $"its {GatewayApiNames.UseWaypointLabel} label is ignored, traffic to it goes straight to it in plain TCP";
        }
    }

    // A policy in the root namespace without a selector covers every workload.
    private static IEnumerable<WorkloadResource> InNamespace(List<WorkloadResource> workloads, string? ns) =>
        ns == AuthorizationCompiler.RootNamespace ? workloads : workloads.Where(w => w.Metadata.Namespace == ns);

    private static bool OnlyOutside(List<WorkloadResource> selected, Func<WorkloadResource, bool> outsideMesh) =>
        selected.Count > 0 && selected.All(outsideMesh);
}
