using System.Text;
using Skein.Control.Store;
using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>
/// The BackendTLSPolicies of a snapshot: which policy governs each Service port (conflicts resolved), what TLS the
/// proxies originate for it, and each policy's status per Gateway whose routes send traffic to a port it governs.
/// </summary>
/// <remarks>
/// A policy's own verdict (Accepted/ResolvedRefs) does not depend on the Gateway, so it is computed once; the
/// Gateways it is reported against are collected while routes are translated (<see cref="Apply"/> records the
/// route) and turned into ancestor entries by <see cref="Statuses"/> once routes are attached.
/// </remarks>
public sealed class BackendTlsPolicies
{
    // (namespace, service, sectionName or "") -> the policy governing that target.
    private readonly Dictionary<(string Namespace, string Service, string Section), PolicyVerdict> _byTarget = [];
    // Every policy naming a target, winners and losers: all are reported against the Gateways routing to it.
    private readonly Dictionary<(string Namespace, string Service, string Section), List<PolicyVerdict>> _naming = [];
    private readonly List<PolicyVerdict> _verdicts = [];
    private readonly Dictionary<PolicyVerdict, HashSet<RouteInfo>> _users = [];

    public BackendTlsPolicies(ConfigSnapshot snapshot)
    {
        var configMaps = snapshot.OfType<ConfigMapResource>().ToDictionary(c => (c.Key.Namespace, c.Metadata.Name));
        // GEP-713 conflict resolution: the oldest policy wins a target, then the first by namespace/name.
        var ordered = snapshot.OfType<BackendTLSPolicyResource>()
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(p => p.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
        foreach (var policy in ordered)
        {
            var verdict = Judge(policy, configMaps);
            _verdicts.Add(verdict);
            var targets = policy.Spec.TargetRefs
                .Where(t => t.Group is "" or "core" && t.Kind == "Service")
                .Select(t => (policy.Key.Namespace, t.Name, t.SectionName ?? ""))
                .ToList();
            foreach (var target in targets)
            {
                if (!_naming.TryGetValue(target, out var naming))
                {
                    _naming[target] = naming = [];
                }

                naming.Add(verdict);
            }

            if (targets.Where(_byTarget.ContainsKey).Select(t => _byTarget[t]).FirstOrDefault() is { } winner)
            {
                verdict.ConflictedWith = winner.Name;
                continue;
            }

            foreach (var target in targets)
            {
                _byTarget[target] = verdict;
            }
        }
    }

    /// <summary>
    /// Applies the policy governing <paramref name="servicePort"/> of <paramref name="service"/> to <paramref name="backend"/>:
    /// TLS origination settings, or the invalid reason when the policy has no usable CA. Records <paramref name="route"/>
    /// as sending traffic through the policy. True when a policy governs the port.
    /// </summary>
    public bool Apply(SkeinProto.BackendRef backend, ServiceResource service, ServicePort servicePort, RouteInfo route)
    {
        var ns = service.Key.Namespace;
        var name = service.Metadata.Name;
        var port = (Namespace: ns, Service: name, Section: servicePort.Name ?? "");
        var whole = (Namespace: ns, Service: name, Section: "");
        foreach (var naming in new[] { port, whole }.Distinct().SelectMany(t => _naming.GetValueOrDefault(t) ?? []))
        {
            if (!_users.TryGetValue(naming, out var users))
            {
                _users[naming] = users = [];
            }

            users.Add(route);
        }

        // A policy naming the port (sectionName) is more specific than one naming the whole Service.
        if (!(port.Section.Length > 0 && _byTarget.TryGetValue(port, out var verdict)) && !_byTarget.TryGetValue(whole, out verdict))
        {
            return false;
        }

        if (verdict.Tls is { } tls)
        {
            backend.Tls = tls;
        }
        else
        {
            backend.InvalidReason = $"BackendTLSPolicy {verdict.Name}: {verdict.ResolvedRefsMessage}";
        }

        return true;
    }

    /// <summary>
    /// Status of every policy, one ancestor entry per Gateway (of <paramref name="gateways"/>) that accepted a route
    /// recorded by <see cref="Apply"/>; policies no such route uses have no ancestors.
    /// </summary>
    public IEnumerable<(ResourceKey Key, PolicyStatus Status)> Statuses(IReadOnlyDictionary<RouteInfo, CompiledRoute> routes, IReadOnlyDictionary<ResourceKey, GatewayState> gateways, DateTimeOffset now)
    {
        foreach (var verdict in _verdicts)
        {
            var ancestors = (_users.GetValueOrDefault(verdict) ?? [])
                .SelectMany(r => (routes.TryGetValue(r, out var compiled) ? compiled.Parents : []).Select(p => (Route: r, Parent: p)))
                .Where(p => p.Parent.Conditions.Any(c => c.Type == "Accepted" && c.Status == "True"))
                .Select(p => new ResourceKey("Gateway", p.Parent.ParentRef.Namespace ?? p.Route.Namespace, p.Parent.ParentRef.Name))
                .Where(gateways.ContainsKey)
                .Distinct()
                .OrderBy(k => k.Namespace, StringComparer.Ordinal)
                .ThenBy(k => k.Name, StringComparer.Ordinal);
            var conditions = StatusConditions.For(verdict.Policy, now);
            var status = new PolicyStatus();
            foreach (var gateway in ancestors)
            {
                status.Ancestors.Add(new PolicyAncestorStatus
                {
                    AncestorRef = new ParentReference { Group = ApiVersions.GatewayGroup, Kind = "Gateway", Namespace = gateway.Namespace, Name = gateway.Name },
                    ControllerName = GatewayApiNames.ControllerName,
                    Conditions = verdict.Conditions(conditions),
                });
            }

            yield return (verdict.Policy.Key, status);
        }
    }

    private static PolicyVerdict Judge(BackendTLSPolicyResource policy, Dictionary<(string, string), ConfigMapResource> configMaps)
    {
        var verdict = new PolicyVerdict(policy);
        var validation = policy.Spec.Validation;
        var ns = policy.Key.Namespace;

        var bundle = new StringBuilder();
        foreach (var reference in validation.CaCertificateRefs)
        {
            string? problem = null;
            var invalidKind = false;
            if (reference.Group is not ("" or "core") || reference.Kind != "ConfigMap")
            {
                (problem, invalidKind) = ($"caCertificateRef {(reference.Group is "" ? "" : reference.Group + "/")}{reference.Kind} {reference.Name}: only core ConfigMaps are supported", true);
            }
            else if (!configMaps.TryGetValue((ns, reference.Name), out var configMap))
            {
                problem = $"ConfigMap {ns}/{reference.Name} does not exist";
            }
            else if (CaBundleReader.Read(configMap, out var readProblem) is { } pem)
            {
                bundle.Append(pem);
            }
            else
            {
                problem = $"ConfigMap {ns}/{reference.Name} {readProblem}";
            }

            if (problem is not null && verdict.ResolvedRefsReason is null)
            {
                verdict.ResolvedRefsReason = invalidKind ? "InvalidKind" : "InvalidCACertificateRef";
                verdict.ResolvedRefsMessage = problem;
            }
        }

        var systemCa = validation.WellKnownCACertificates == "System";
        if (bundle.Length == 0 && !systemCa)
        {
            verdict.ResolvedRefsMessage = verdict.ResolvedRefsMessage.Length > 0 ? verdict.ResolvedRefsMessage : "no CA certificate to validate the backend with";
            return verdict;
        }

        var tls = new SkeinProto.BackendTls
        {
            Policy = verdict.Name,
            ServerName = validation.Hostname,
            CaBundlePem = bundle.ToString(),
            SystemCa = systemCa && bundle.Length == 0,
        };
        if (validation.SubjectAltNames.Count == 0)
        {
            tls.DnsNames.Add(validation.Hostname);
        }

        foreach (var san in validation.SubjectAltNames)
        {
            if (san.Type == SubjectAltNameType.Hostname && san.Hostname is { Length: > 0 } dns)
            {
                tls.DnsNames.Add(dns);
            }
            else if (san.Type == SubjectAltNameType.URI && san.Uri is { Length: > 0 } uri)
            {
                tls.Uris.Add(uri);
            }
        }

        verdict.Tls = tls;
        return verdict;
    }

    /// <summary>One policy's verdict, independent of the Gateway it is reported against.</summary>
    private sealed class PolicyVerdict(BackendTLSPolicyResource policy)
    {
        public BackendTLSPolicyResource Policy { get; } = policy;

        public string Name { get; } = $"{policy.Key.Namespace}/{policy.Metadata.Name}";

        /// <summary>What proxies originate; null when no CA reference is usable (requests fail with 500).</summary>
        public SkeinProto.BackendTls? Tls { get; set; }

        public string? ResolvedRefsReason { get; set; }

        public string ResolvedRefsMessage { get; set; } = "";

        /// <summary>The older policy that won a target this one also names; null when not conflicted.</summary>
        public string? ConflictedWith { get; set; }

        public List<StatusCondition> Conditions(StatusConditions conditions) =>
        [
            (ConflictedWith, Tls) switch
            {
                ({ } winner, _) => conditions.False("Accepted", "Conflicted", $"BackendTLSPolicy {winner} is older (or first by name) and targets the same Service port"),
                (_, null) => conditions.False("Accepted", "NoValidCACertificate", ResolvedRefsMessage),
                _ => conditions.True("Accepted", "Accepted"),
            },
            ResolvedRefsReason is { } reason
                ? conditions.False("ResolvedRefs", reason, ResolvedRefsMessage)
                : conditions.True("ResolvedRefs", "ResolvedRefs"),
        ];
    }
}
