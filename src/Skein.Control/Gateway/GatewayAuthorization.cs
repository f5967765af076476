using Skein.Control.Compiler;
using Skein.Core.Naming;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Decides which AuthorizationPolicies a gateway or waypoint enforces per request, and attaches them to its L7 resource.</summary>
/// <remarks>
/// Istio's semantics for targeted policies: a policy whose targetRefs name a Gateway applies to every request
/// that Gateway handles; one naming a Service that uses a waypoint applies at that waypoint to the Service's
/// traffic. A selector or namespace-wide policy with request attributes (which a node proxy can only enforce by
/// failing closed) is also enforced by the waypoint of the Services whose workloads it covers, so the rule a user wrote
/// holds in full for traffic that passes the waypoint. Node proxies trust their waypoint for what it checked
/// (see HboneInbound), so the same policy does not deny the waypoint's forwarded traffic a second time.
/// </remarks>
public static class GatewayAuthorization
{
    private const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>Adds the Gateway-targeted policies to <paramref name="proto"/>, and the per-service ones to its waypoint listeners.</summary>
    public static void Attach(GatewayState state, SkeinProto.Gateway proto, GatewayApiContext context)
    {
        var policies = context.Snapshot.OfType<AuthorizationPolicyResource>()
            .OrderBy(AuthorizationCompiler.NameOf, StringComparer.Ordinal)
            .ToList();
        if (policies.Count == 0)
        {
            return;
        }

        var name = state.Resource.Metadata.Name;
        proto.AuthorizationPolicies.AddRange(policies
            .Where(p => p.Spec.TargetRefs.Any(t => t.Kind == "Gateway" && t.Group == GatewayGroup && t.Name == name &&
                                                   (t.Namespace ?? p.Key.Namespace) == state.Resource.Key.Namespace))
            .Select(L7AuthorizationCompiler.Compile));

        if (state.Role != GatewayApiNames.WaypointRole)
        {
            return;
        }

        var workloads = context.Snapshot.OfType<WorkloadResource>().Where(w => w.Key.Namespace == state.Resource.Key.Namespace).ToList();
        foreach (var listener in proto.Listeners.Where(l => l.Protocol == SkeinProto.ListenerProtocol.Hbone && l.Service.Length > 0))
        {
            if (ServiceOf(listener, context) is not { } service)
            {
                continue;
            }

            var selected = workloads.Where(w => service.Spec.Selector is { Count: > 0 } sel && Selects(sel, w.Metadata.Labels)).ToList();
            listener.AuthorizationPolicies.AddRange(policies
                .Where(p => TargetsService(p, service)
                    || (p.Key.Namespace == service.Key.Namespace && L7AuthorizationCompiler.HasRequestFields(p) && (SelectsAny(p, selected) || IsNamespaceWide(p)))
                    || (p.Key.Namespace == AuthorizationCompiler.RootNamespace && L7AuthorizationCompiler.HasRequestFields(p) && IsNamespaceWide(p)))
                .Select(L7AuthorizationCompiler.Compile));
        }
    }

    private static ServiceResource? ServiceOf(SkeinProto.Listener listener, GatewayApiContext context)
    {
        var (ns, hostname) = listener.Service.Split('/', 2) is [var n, var h] ? (n, h) : ("", listener.Service);
        return context.Snapshot.OfType<ServiceResource>()
            .FirstOrDefault(s => s.Key.Namespace == ns && MeshName.Hostname(s.Metadata.Name, ns) == hostname);
    }

    private static bool TargetsService(AuthorizationPolicyResource policy, ServiceResource service) =>
        policy.Spec.TargetRefs.Any(t => t.Kind == "Service" && t.Group is "" && t.Name == service.Metadata.Name &&
                                        (t.Namespace ?? policy.Key.Namespace) == service.Key.Namespace);

    /// <summary>No selector and no targetRefs: the whole namespace (mesh-wide in the root namespace).</summary>
    private static bool IsNamespaceWide(AuthorizationPolicyResource policy) => !AuthorizationCompiler.IsSelectorScoped(policy);

    private static bool SelectsAny(AuthorizationPolicyResource policy, List<WorkloadResource> workloads) =>
        policy.Spec.Selector is { MatchLabels.Count: > 0 } selector && workloads.Any(w => Selects(selector.MatchLabels, w.Metadata.Labels));

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);
}
