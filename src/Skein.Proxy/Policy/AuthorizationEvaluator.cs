using System.Net;
using Skein.Core.Protos.Security;
using Skein.Core.Protos.Workload;
using Skein.Proxy.State;
using Action = Skein.Core.Protos.Security.Action;
using Address = Skein.Core.Protos.Security.Address;
using L4Policy = Skein.Core.Protos.Security.Authorization;

namespace Skein.Proxy.Policy;

/// <summary>Evaluates L4 AuthorizationPolicy for a connection to a workload, as Istio defines it.</summary>
/// <remarks>
/// Applicable policies are the mesh-wide ones (root namespace), those of the workload's namespace, and the
/// selector-scoped ones the control plane listed on the workload. DENY wins over ALLOW; AUDIT only records;
/// a workload that no ALLOW policy applies to allows; otherwise some ALLOW policy must match.
/// </remarks>
public static class AuthorizationEvaluator
{
    /// <param name="mesh">Policies and workloads.</param>
    /// <param name="destination">The workload connected to.</param>
    /// <param name="connection">What L4 sees of the connection.</param>
    /// <param name="enforcedElsewhere">Policies ("namespace/name") left out because a waypoint enforces them per request instead.</param>
    public static AuthorizationDecision Evaluate(MeshState mesh, Workload destination, ConnectionAttributes connection, IReadOnlySet<string>? enforcedElsewhere = null)
    {
        var applicable = Applicable(mesh, destination).Where(p => enforcedElsewhere?.Contains(Name(p)) != true).ToList();
        var audited = applicable.Where(p => p.Action == Action.Audit && Matches(p, connection)).Select(Name).ToList();

        foreach (var deny in applicable.Where(p => p.Action == Action.Deny))
        {
            if (Matches(deny, connection))
            {
                return AuthorizationDecision.Deny($"denied by DENY policy {Name(deny)}", Name(deny), audited);
            }
        }

        var allows = applicable.Where(p => p.Action == Action.Allow).ToList();
        if (allows.Count == 0)
        {
            return AuthorizationDecision.Allow("no ALLOW policy applies", null, audited);
        }

        foreach (var allow in allows)
        {
            if (Matches(allow, connection))
            {
                return AuthorizationDecision.Allow($"allowed by {Name(allow)}", Name(allow), audited);
            }
        }

        return AuthorizationDecision.Deny($"no ALLOW policy matched (checked {string.Join(", ", allows.Select(Name))})", null, audited);
    }

    private static string Name(L4Policy p) => $"{p.Namespace}/{p.Name}";

    private static IEnumerable<L4Policy> Applicable(MeshState mesh, Workload destination)
    {
        foreach (var policy in mesh.Policies.Values)
        {
            var applies = policy.Scope switch
            {
                Scope.Global => true,
                Scope.Namespace => policy.Namespace == destination.Namespace,
                _ => destination.AuthorizationPolicies.Contains(Name(policy)),
            };
            if (applies)
            {
                yield return policy;
            }
        }
    }

    /// <summary>A policy matches when any of its groups does; a policy with no groups matches nothing.</summary>
    private static bool Matches(L4Policy policy, ConnectionAttributes c) =>
        policy.Groups.Any(g => g.Rules.All(r => r.Matches.Count == 0 || r.Matches.Any(m => Matches(m, c))));

    private static bool Matches(Match m, ConnectionAttributes c)
    {
        var principal = c.Principal;
        var ns = c.SourceNamespace;
        return Positive(m.Principals, s => Matches(s, principal)) && !m.NotPrincipals.Any(s => Matches(s, principal))
            && Positive(m.Namespaces, s => Matches(s, ns)) && !m.NotNamespaces.Any(s => Matches(s, ns))
            && Positive(m.SourceIps, a => Contains(a, c.SourceIp)) && !m.NotSourceIps.Any(a => Contains(a, c.SourceIp))
            && Positive(m.DestinationIps, a => Contains(a, c.DestinationIp)) && !m.NotDestinationIps.Any(a => Contains(a, c.DestinationIp))
            && Positive(m.DestinationPorts, p => p == c.DestinationPort) && !m.NotDestinationPorts.Any(p => p == c.DestinationPort);
    }

    /// <summary>An empty list places no condition; otherwise any entry may match.</summary>
    private static bool Positive<T>(IReadOnlyCollection<T> values, Func<T, bool> match) => values.Count == 0 || values.Any(match);

    private static bool Matches(StringMatch match, string? value) => value is not null && match.MatchTypeCase switch
    {
        StringMatch.MatchTypeOneofCase.Exact => value == match.Exact,
        StringMatch.MatchTypeOneofCase.Prefix => value.StartsWith(match.Prefix, StringComparison.Ordinal),
        StringMatch.MatchTypeOneofCase.Suffix => value.EndsWith(match.Suffix, StringComparison.Ordinal),
        StringMatch.MatchTypeOneofCase.Presence => true,
        _ => false,
    };

    private static bool Contains(Address block, IPAddress ip)
    {
        var network = block.Address_.Span;
        var address = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).GetAddressBytes();
        if (address.Length != network.Length)
        {
            return false;
        }

        var bits = (int)block.Length;
        for (var i = 0; i < address.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xff : (byte)(0xff << (8 - bits));
            if ((address[i] & mask) != (network[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
