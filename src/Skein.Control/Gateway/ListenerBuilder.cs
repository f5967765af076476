using Skein.Core.Resources;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Control.Gateway;

/// <summary>Judges listeners: protocol support, conflicts, route kinds and HTTPS certificates.</summary>
public static class ListenerBuilder
{
    /// <summary>A Gateway's own listeners; those conflicting among themselves are all marked Conflicted.</summary>
    public static List<ListenerState> Build(GatewayResource gateway, bool waypoint, GatewayApiContext context)
    {
        var states = Judge(gateway.Spec.Listeners, ListenerOwner.Of(gateway), gateway, waypoint, context);
        MarkConflicts(states);
        return states;
    }

    /// <summary>
    /// Listeners judged one by one (protocol, route kinds, certificates read as <paramref name="owner"/>, client
    /// validation from <paramref name="parent"/>), without conflicts: a ListenerSet's conflicts are settled by
    /// precedence against the listeners merged before it.
    /// </summary>
    public static List<ListenerState> Judge(IEnumerable<Listener> listeners, ListenerOwner owner, GatewayResource parent, bool hboneAllowed, GatewayApiContext context)
    {
        var states = listeners.Select(l => new ListenerState(l, owner)).ToList();
        foreach (var state in states)
        {
            CheckProtocol(state, hboneAllowed);
            if (!state.Accepted)
            {
                continue;
            }

            ResolveKinds(state);
            if (state.Spec.Protocol == "HTTPS")
            {
                ResolveCertificates(state, owner, context);
                // Client-certificate validation is the parent Gateway's (spec.tls.frontend, per port), for a
                // ListenerSet's HTTPS listeners too: a ListenerSet cannot open a port the Gateway guards.
                FrontendValidation.Resolve(state, parent, context);
            }
        }

        return states;
    }

    /// <summary>
    /// Why <paramref name="candidate"/> cannot join the listeners already merged on its port (<paramref name="merged"/>,
    /// which take precedence), or null: another protocol on the port, or the same hostname.
    /// </summary>
    /// <remarks>
    /// Stricter than a Gateway's own listeners (where HTTPS and TLS may share a port): a gateway proxy serves one
    /// protocol per port and rejects a configuration that mixes them, and a ListenerSet (often another team's) must
    /// never make its parent's proxies reject their configuration.
    /// </remarks>
    public static (string Reason, string Message)? ConflictWith(ListenerState candidate, IEnumerable<ListenerState> merged)
    {
        var samePort = merged.Where(m => m.Spec.Port == candidate.Spec.Port).ToList();
        if (samePort.FirstOrDefault(m => m.Spec.Protocol != candidate.Spec.Protocol) is { } other)
        {
            return ("ProtocolConflict", $"port {candidate.Spec.Port} is already served as {other.Spec.Protocol} by listener {other.Spec.Name} of {other.Owner}");
        }

        var hostname = candidate.Spec.Hostname ?? "";
        if (samePort.FirstOrDefault(m => string.Equals(m.Spec.Hostname ?? "", hostname, StringComparison.OrdinalIgnoreCase)) is { } same)
        {
            return ("HostnameConflict", $"listener {same.Spec.Name} of {same.Owner} already serves hostname \"{hostname}\" on port {candidate.Spec.Port}");
        }

        return null;
    }

    private static void CheckProtocol(ListenerState state, bool waypoint)
    {
        var listener = state.Spec;
        var supported = listener.Protocol switch
        {
            "HTTP" or "HTTPS" or "TCP" => true,
            "TLS" => listener.Tls is null || listener.Tls.Mode == TLSModeType.Passthrough,
            "HBONE" => waypoint,
            _ => false,
        };
        if (!supported)
        {
            state.Accepted = false;
            state.AcceptedReason = "UnsupportedProtocol";
            state.AcceptedMessage = listener.Protocol == "TLS"
                ? "TLS listeners support mode Passthrough only; use protocol HTTPS to terminate TLS"
                : $"protocol {listener.Protocol} is not supported (supported: HTTP, HTTPS, TLS, TCP{(waypoint ? ", HBONE" : "")})";
        }
    }

    private static void ResolveKinds(ListenerState state)
    {
        var supported = RouteKinds.For(state.Spec.Protocol);
        var requested = state.Spec.AllowedRoutes?.Kinds ?? [];
        if (requested.Count == 0)
        {
            state.SupportedKinds.AddRange(supported);
            return;
        }

        var invalid = new List<string>();
        foreach (var kind in requested)
        {
            var group = string.IsNullOrEmpty(kind.Group) ? ApiVersions.GatewayGroup : kind.Group;
            if (group == ApiVersions.GatewayGroup && supported.Contains(kind.Kind))
            {
                if (!state.SupportedKinds.Contains(kind.Kind))
                {
                    state.SupportedKinds.Add(kind.Kind);
                }
            }
            else
            {
                invalid.Add($"{group}/{kind.Kind}");
            }
        }

        if (invalid.Count > 0)
        {
            state.ResolvedRefsReason = "InvalidRouteKinds";
            state.ResolvedRefsMessage = $"route kinds not supported on a {state.Spec.Protocol} listener: {string.Join(", ", invalid)}";
        }
    }

    private static void ResolveCertificates(ListenerState state, ListenerOwner owner, GatewayApiContext context)
    {
        foreach (var reference in state.Spec.Tls?.CertificateRefs ?? [])
        {
            var (certificate, reason, message) = CertificateSecrets.Resolve(reference, owner.Kind, owner.Namespace, context, "certificateRef", "InvalidCertificateRef");
            if (certificate is not null)
            {
                state.Certificates.Add(certificate);
            }
            else if (reason is not null && state.CertificatesResolved)
            {
                state.CertificatesResolved = false;
                state.ResolvedRefsReason = reason;
                state.ResolvedRefsMessage = message;
            }
        }

        if (state.Certificates.Count == 0 && state.CertificatesResolved)
        {
            state.CertificatesResolved = false;
            state.ResolvedRefsReason = "InvalidCertificateRef";
            state.ResolvedRefsMessage = "an HTTPS listener needs at least one certificateRef";
        }
    }

    /// <summary>
    /// Listeners sharing a port must agree on how the port is served: HTTP and HTTPS/TLS listeners can share
    /// (by Host or SNI) only with their own kind, and a TCP listener owns its port alone.
    /// </summary>
    private static void MarkConflicts(List<ListenerState> states)
    {
        foreach (var group in states.Where(s => s.Accepted).GroupBy(s => s.Spec.Port))
        {
            var families = group.Select(s => Family(s.Spec.Protocol)).Distinct().ToList();
            if (families.Count > 1)
            {
                foreach (var state in group)
                {
                    state.ConflictReason = "ProtocolConflict";
                    state.ConflictMessage = $"port {group.Key} is used with incompatible protocols ({string.Join(", ", group.Select(s => s.Spec.Protocol).Distinct())})";
                }

                continue;
            }

            foreach (var sameHost in group.GroupBy(s => s.Spec.Hostname ?? "", StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                foreach (var state in sameHost)
                {
                    state.ConflictReason = "HostnameConflict";
                    state.ConflictMessage = $"another listener on port {group.Key} has the same hostname \"{sameHost.Key}\"";
                }
            }
        }
    }

    // HTTP and HTTPS are both "HTTP" to a client, but one port cannot speak plaintext and TLS at once.
    private static string Family(string protocol) => protocol switch
    {
        "HTTPS" or "TLS" => "tls",
        "HTTP" => "http",
        "HBONE" => "hbone",
        _ => protocol,
    };
}
