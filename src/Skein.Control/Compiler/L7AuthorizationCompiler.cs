using System.Globalization;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Compiler;

/// <summary>Translates AuthorizationPolicy resources into the per-request form gateways and waypoints enforce (<c>skein.v1alpha1.PolicyAuthorization</c>).</summary>
public static class L7AuthorizationCompiler
{
    /// <summary>True when some rule needs request attributes (methods, paths, hosts, request.* conditions) that only an L7 proxy sees.</summary>
    public static bool HasRequestFields(AuthorizationPolicyResource policy) =>
        policy.Spec.Rules.Any(rule =>
            rule.To.Any(t => t.Operation.Methods.Count + t.Operation.NotMethods.Count + t.Operation.Paths.Count +
                             t.Operation.NotPaths.Count + t.Operation.Hosts.Count + t.Operation.NotHosts.Count > 0)
            || rule.When.Any(c => c.Key.StartsWith("request.", StringComparison.Ordinal)));

    public static SkeinProto.PolicyAuthorization Compile(AuthorizationPolicyResource policy)
    {
        var result = new SkeinProto.PolicyAuthorization
        {
            Name = AuthorizationCompiler.NameOf(policy),
            Action = policy.Spec.Action switch
            {
                AuthorizationAction.Deny => SkeinProto.PolicyAuthorization.Types.Action.Deny,
                AuthorizationAction.Audit => SkeinProto.PolicyAuthorization.Types.Action.Audit,
                _ => SkeinProto.PolicyAuthorization.Types.Action.Allow,
            },
        };
        foreach (var rule in policy.Spec.Rules)
        {
            var compiled = new SkeinProto.PolicyRule();
            foreach (var source in rule.From.Select(f => f.Source))
            {
                compiled.From.Add(new SkeinProto.PolicySource
                {
                    Principals = { source.Principals.Select(Principal) },
                    NotPrincipals = { source.NotPrincipals.Select(Principal) },
                    Namespaces = { source.Namespaces },
                    NotNamespaces = { source.NotNamespaces },
                    IpBlocks = { source.IpBlocks },
                    NotIpBlocks = { source.NotIpBlocks },
                });
            }

            foreach (var operation in rule.To.Select(t => t.Operation))
            {
                compiled.To.Add(new SkeinProto.PolicyOperation
                {
                    Hosts = { operation.Hosts },
                    NotHosts = { operation.NotHosts },
                    Ports = { operation.Ports.Select(ParsePort) },
                    NotPorts = { operation.NotPorts.Select(ParsePort) },
                    Methods = { operation.Methods },
                    NotMethods = { operation.NotMethods },
                    Paths = { operation.Paths },
                    NotPaths = { operation.NotPaths },
                });
            }

            foreach (var condition in rule.When)
            {
                compiled.When.Add(new SkeinProto.PolicyCondition
                {
                    Key = condition.Key,
                    Values = { condition.Key == "source.principal" ? condition.Values.Select(Principal) : condition.Values },
                    NotValues = { condition.Key == "source.principal" ? condition.NotValues.Select(Principal) : condition.NotValues },
                });
            }

            result.Rules.Add(compiled);
        }

        return result;
    }

    /// <summary>Principals as Istio writes them, <c>td/ns/x/sa/y</c>; a leading <c>spiffe://</c> is accepted too.</summary>
    private static string Principal(string value) =>
        value.StartsWith("spiffe://", StringComparison.Ordinal) ? value["spiffe://".Length..] : value;

    private static uint ParsePort(string value) => uint.Parse(value, CultureInfo.InvariantCulture);
}
