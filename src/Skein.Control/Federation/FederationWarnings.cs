using Skein.Core.Resources;

namespace Skein.Control.Federation;

/// <summary>
/// Federation configuration that cannot work as written: a MeshFederation whose bundle cannot be fetched, a
/// principal or Workload naming a trust domain that is neither local nor federated (its SVIDs can never verify).
/// </summary>
public static class FederationWarnings
{
    /// <param name="resources">The served resources (MeshFederations with their status, policies, Workloads).</param>
    /// <param name="localTrustDomain">This mesh's trust domain.</param>
    public static IEnumerable<string> Of(IReadOnlyCollection<Resource> resources, IReadOnlyDictionary<ResourceKey, MeshFederationStatus?> statuses, string localTrustDomain)
    {
        var federated = new HashSet<string>(resources.OfType<MeshFederationResource>().Select(f => f.Spec.TrustDomain), StringComparer.Ordinal);
        foreach (var federation in resources.OfType<MeshFederationResource>())
        {
            var name = $"{federation.Metadata.Namespace}/{federation.Metadata.Name}";
            var fetched = statuses.GetValueOrDefault(federation.Key)?.Conditions.FirstOrDefault(c => c.Type == "BundleFetched");
            if (fetched is { Status: "False" })
            {
                yield return $"MeshFederation {name} cannot fetch the bundle of {federation.Spec.TrustDomain} ({fetched.Reason}): {fetched.Message}";
            }
        }

        foreach (var policy in resources.OfType<AuthorizationPolicyResource>())
        {
            var name = $"{policy.Metadata.Namespace}/{policy.Metadata.Name}";
            foreach (var principal in Principals(policy).Distinct(StringComparer.Ordinal))
            {
                if (TrustDomainOf(principal) is { } td && td != localTrustDomain && !federated.Contains(td))
                {
                    yield return $"AuthorizationPolicy {name} names principal \"{principal}\" of trust domain {td}, which is neither this mesh's ({localTrustDomain}) nor federated by a MeshFederation: no such caller can be verified";
                }
            }
        }

        foreach (var workload in resources.OfType<WorkloadResource>())
        {
            if (workload.Spec.TrustDomain is { } td && td != localTrustDomain && !federated.Contains(td))
            {
                yield return $"Workload {workload.Metadata.Namespace}/{workload.Metadata.Name} is in trust domain {td}, which no MeshFederation federates: connections to it are refused";
            }
        }
    }

    private static IEnumerable<string> Principals(AuthorizationPolicyResource policy)
    {
        foreach (var rule in policy.Spec.Rules)
        {
            foreach (var from in rule.From)
            {
                foreach (var p in from.Source.Principals.Concat(from.Source.NotPrincipals))
                {
                    yield return p;
                }
            }

            foreach (var condition in rule.When.Where(c => c.Key == "source.principal"))
            {
                foreach (var p in condition.Values.Concat(condition.NotValues))
                {
                    yield return p;
                }
            }
        }
    }

    /// <summary>The trust domain a principal (<c>td/ns/x/sa/y</c> or <c>spiffe://td/...</c>) names; null when a wildcard covers it.</summary>
    public static string? TrustDomainOf(string principal)
    {
        var text = principal.StartsWith("spiffe://", StringComparison.Ordinal) ? principal["spiffe://".Length..] : principal;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var td = slash < 0 ? text : text[..slash];
        return td.Length == 0 || td.Contains('*', StringComparison.Ordinal) || slash < 0 ? null : td;
    }
}
