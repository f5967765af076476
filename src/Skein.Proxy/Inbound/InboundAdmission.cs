using System.Net;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Core.Protos.Workload;
using Skein.Proxy.Identity;
using Skein.Proxy.Outbound;
using Skein.Proxy.Policy;
using Skein.Proxy.State;

namespace Skein.Proxy.Inbound;

/// <summary>Whether a connection may reach a local workload: PeerAuthentication, waypoint bypass, then L4 AuthorizationPolicy.</summary>
/// <remarks>
/// One decision for every way traffic arrives for a workload: an HBONE tunnel (with the peer's verified identity, or
/// none over h2c) and captured plaintext on 15006 (never an identity, so principal and namespace rules cannot match).
/// </remarks>
public static class InboundAdmission
{
    /// <summary>The outcome: allowed, or refused with the reason and the stats counter that counts it.</summary>
    public sealed record Verdict(bool Allowed, string Reason, string? Counter, AuthorizationDecision? Denial, IReadOnlyList<string> Audited)
    {
        public static Verdict Refused(string reason, string counter) => new(false, reason, counter, null, []);
    }

    /// <param name="peerId">The peer's verified identity; null for plaintext.</param>
    public static Verdict Decide(MeshState mesh, Workload workload, int port, SpiffeId? peerId, IPAddress peerAddress, IPAddress destination, string trustDomain)
    {
        if (peerId is null && mesh.MtlsModeFor(workload, port) == MtlsMode.Strict)
        {
            return Verdict.Refused($"{workload.Name}.{workload.Namespace} port {port} requires mTLS (PeerAuthentication STRICT)", "inbound.denied_plaintext");
        }

        AuthorizationDecision decision;
        if (WaypointRedirect.GoverningWaypoint(mesh, workload, port) is { } waypoint)
        {
            // Traffic for a waypoint-governed destination must come through that waypoint: anything else skipped its L7 policy.
            if (peerId != WorkloadIdentity.Of(waypoint, trustDomain))
            {
                return Verdict.Refused($"bypassed waypoint {waypoint.Namespace}/{waypoint.Name}", "inbound.denied_waypoint_bypass");
            }

            // The waypoint already checked this destination's policies against the original client (L4 on the tunnel, L7 per
            // request); checking them again against the waypoint's own identity would deny what they allow.
            decision = AuthorizationDecision.Allow($"checked by waypoint {waypoint.Namespace}/{waypoint.Name}", null, []);
        }
        else
        {
            decision = AuthorizationEvaluator.Evaluate(mesh, workload, new ConnectionAttributes(peerId, peerAddress, destination, port));
        }

        return decision.Allowed
            ? new Verdict(true, decision.Reason, null, null, decision.Audited)
            : new Verdict(false, decision.Reason, "inbound.denied_policy", decision, decision.Audited);
    }
}
