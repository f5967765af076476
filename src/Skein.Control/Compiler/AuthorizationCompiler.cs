using System.Globalization;
using System.Net;
using Google.Protobuf;
using Skein.Core.Resources;
using Security = Skein.Core.Protos.Security;

namespace Skein.Control.Compiler;

/// <summary>Translates AuthorizationPolicy resources into Istio's L4 <c>istio.security.Authorization</c> form.</summary>
/// <remarks>
/// A node proxy sees connections, not requests. Rules that need request attributes (methods, paths,
/// hosts, request.* conditions) are handled so that L4 enforcement always fails closed: an ALLOW rule
/// that needs them is dropped (it can never be proven to match), and a DENY rule keeps only its L4
/// parts (it denies more, never less). The waypoint enforces such rules in full.
/// </remarks>
public static class AuthorizationCompiler
{
    /// <summary>The root namespace: policies without a selector there apply mesh-wide, as in Istio.</summary>
    public const string RootNamespace = "skein-system";

    public static string NameOf(AuthorizationPolicyResource policy) => $"{policy.Metadata.Namespace}/{policy.Metadata.Name}";

    /// <summary>True when the policy targets workloads by label or Service rather than a whole namespace.</summary>
    public static bool IsSelectorScoped(AuthorizationPolicyResource policy) =>
        policy.Spec.Selector is { MatchLabels.Count: > 0 } || policy.Spec.TargetRefs.Count > 0;

    /// <summary>Whether a selector-scoped policy applies to a workload.</summary>
    public static bool AppliesTo(AuthorizationPolicyResource policy, WorkloadResource workload, IReadOnlyList<ServiceResource> services)
    {
        if (policy.Metadata.Namespace != workload.Metadata.Namespace)
        {
            return false;
        }

        if (policy.Spec.Selector is { MatchLabels.Count: > 0 } selector &&
            selector.MatchLabels.All(p => workload.Metadata.Labels.TryGetValue(p.Key, out var v) && v == p.Value))
        {
            return true;
        }

        return policy.Spec.TargetRefs.Any(target => target.Kind == "Service" && services.Any(s =>
            s.Metadata.Name == target.Name && s.Metadata.Namespace == workload.Metadata.Namespace &&
            s.Spec.Selector is { Count: > 0 } sel && sel.All(p => workload.Metadata.Labels.TryGetValue(p.Key, out var v) && v == p.Value)));
    }

    public static Security.Authorization Compile(AuthorizationPolicyResource policy)
    {
        var result = new Security.Authorization
        {
            Name = policy.Metadata.Name,
            Namespace = policy.Metadata.Namespace ?? "default",
            Action = policy.Spec.Action switch
            {
                AuthorizationAction.Deny => Security.Action.Deny,
                AuthorizationAction.Audit => Security.Action.Audit,
                _ => Security.Action.Allow,
            },
            Scope = IsSelectorScoped(policy) ? Security.Scope.WorkloadSelector
                : policy.Metadata.Namespace == RootNamespace ? Security.Scope.Global
                : Security.Scope.Namespace,
        };

        foreach (var rule in policy.Spec.Rules)
        {
            if (CompileRule(rule, result.Action) is { } group)
            {
                result.Groups.Add(group);
            }
        }

        return result;
    }

    private static Security.Group? CompileRule(AuthorizationRule rule, Security.Action action)
    {
        var needsRequest = rule.To.Any(t => t.Operation.Methods.Count + t.Operation.NotMethods.Count + t.Operation.Paths.Count +
                                            t.Operation.NotPaths.Count + t.Operation.Hosts.Count + t.Operation.NotHosts.Count > 0)
                           || rule.When.Any(c => !IsConnectionKey(c.Key));
        if (needsRequest && action == Security.Action.Allow)
        {
            return null;
        }

        var group = new Security.Group();
        if (rule.From.Count > 0)
        {
            var from = new Security.Rules();
            foreach (var source in rule.From.Select(f => f.Source))
            {
                var match = new Security.Match();
                match.Principals.AddRange(source.Principals.Select(Principal));
                match.NotPrincipals.AddRange(source.NotPrincipals.Select(Principal));
                match.Namespaces.AddRange(source.Namespaces.Select(StringMatch));
                match.NotNamespaces.AddRange(source.NotNamespaces.Select(StringMatch));
                match.SourceIps.AddRange(source.IpBlocks.Select(Cidr));
                match.NotSourceIps.AddRange(source.NotIpBlocks.Select(Cidr));
                from.Matches.Add(match);
            }

            group.Rules.Add(from);
        }

        var ports = rule.To.Select(t => t.Operation).Where(o => o.Ports.Count + o.NotPorts.Count > 0).ToList();
        if (ports.Count > 0)
        {
            var to = new Security.Rules();
            foreach (var operation in ports)
            {
                var match = new Security.Match();
                match.DestinationPorts.AddRange(operation.Ports.Select(ParsePort));
                match.NotDestinationPorts.AddRange(operation.NotPorts.Select(ParsePort));
                to.Matches.Add(match);
            }

            group.Rules.Add(to);
        }

        foreach (var condition in rule.When.Where(c => IsConnectionKey(c.Key)))
        {
            group.Rules.Add(new Security.Rules { Matches = { Condition(condition) } });
        }

        return group;
    }

    private static bool IsConnectionKey(string key) => key is "source.ip" or "source.namespace" or "source.principal" or "destination.ip" or "destination.port";

    private static Security.Match Condition(AuthorizationCondition condition)
    {
        var match = new Security.Match();
        switch (condition.Key)
        {
            case "source.ip":
                match.SourceIps.AddRange(condition.Values.Select(Cidr));
                match.NotSourceIps.AddRange(condition.NotValues.Select(Cidr));
                break;
            case "source.namespace":
                match.Namespaces.AddRange(condition.Values.Select(StringMatch));
                match.NotNamespaces.AddRange(condition.NotValues.Select(StringMatch));
                break;
            case "source.principal":
                match.Principals.AddRange(condition.Values.Select(Principal));
                match.NotPrincipals.AddRange(condition.NotValues.Select(Principal));
                break;
            case "destination.ip":
                match.DestinationIps.AddRange(condition.Values.Select(Cidr));
                match.NotDestinationIps.AddRange(condition.NotValues.Select(Cidr));
                break;
            case "destination.port":
                match.DestinationPorts.AddRange(condition.Values.Select(ParsePort));
                match.NotDestinationPorts.AddRange(condition.NotValues.Select(ParsePort));
                break;
        }

        return match;
    }

    /// <summary>Principals are written as in Istio, <c>td/ns/x/sa/y</c>; a leading <c>spiffe://</c> is accepted too.</summary>
    private static Security.StringMatch Principal(string value) =>
        StringMatch(value.StartsWith("spiffe://", StringComparison.Ordinal) ? value["spiffe://".Length..] : value);

    /// <summary>Istio's wildcard forms: <c>*</c> (present), <c>abc*</c> (prefix), <c>*abc</c> (suffix), else exact.</summary>
    internal static Security.StringMatch StringMatch(string value) => value switch
    {
        "*" => new Security.StringMatch { Presence = new Google.Protobuf.WellKnownTypes.Empty() },
        _ when value.EndsWith('*') => new Security.StringMatch { Prefix = value[..^1] },
        _ when value.StartsWith('*') => new Security.StringMatch { Suffix = value[1..] },
        _ => new Security.StringMatch { Exact = value },
    };

    private static Security.Address Cidr(string value)
    {
        var slash = value.IndexOf('/');
        var ip = IPAddress.Parse(slash < 0 ? value : value[..slash]);
        var bits = ip.GetAddressBytes().Length * 8;
        var length = slash < 0 ? bits : int.Parse(value[(slash + 1)..], CultureInfo.InvariantCulture);
        return new Security.Address { Address_ = ByteString.CopyFrom(ip.GetAddressBytes()), Length = (uint)length };
    }

    private static uint ParsePort(string value) => uint.Parse(value, CultureInfo.InvariantCulture);
}
