namespace Skein.Proxy.Policy;

/// <summary>The outcome of L4 policy for one connection, naming the policy that decided it.</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason, string? Policy, IReadOnlyList<string> Audited)
{
    public static AuthorizationDecision Allow(string reason, string? policy, IReadOnlyList<string> audited) => new(true, reason, policy, audited);

    public static AuthorizationDecision Deny(string reason, string? policy, IReadOnlyList<string> audited) => new(false, reason, policy, audited);
}
