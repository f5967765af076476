using System.Net;
using Skein.Core.Protos.Skein;
using Action = Skein.Core.Protos.Skein.PolicyAuthorization.Types.Action;

namespace Skein.Proxy.L7.Authorization;

/// <summary>Evaluates AuthorizationPolicy per request at a gateway or waypoint, as Istio defines it.</summary>
/// <remarks>
/// DENY wins; AUDIT only records; when no ALLOW policy applies the request is allowed, otherwise some ALLOW
/// policy must match. Within a policy any rule may match; within a rule every non-empty part (from, to, when)
/// must; within a from/to entry every set field must (negations included); within a field any value may.
/// String values keep Istio's forms: "*" any, "abc*" prefix, "*abc" suffix, else exact (hosts ignore case).
/// A condition key the proxy does not know never matches, so an ALLOW using it fails closed.
/// </remarks>
public static class RequestAuthorizer
{
    public static RequestDecision Evaluate(IEnumerable<PolicyAuthorization> policies, RequestAttributes request)
    {
        var applicable = policies as IReadOnlyCollection<PolicyAuthorization> ?? [.. policies];
        if (applicable.Count == 0)
        {
            return RequestDecision.NoPolicy;
        }

        var audited = applicable.Where(p => p.Action == Action.Audit && Matches(p, request)).Select(p => p.Name).ToList();
        if (applicable.FirstOrDefault(p => p.Action == Action.Deny && Matches(p, request)) is { } deny)
        {
            return new RequestDecision(false, deny.Name, $"denied by DENY policy {deny.Name}", audited);
        }

        var allows = applicable.Where(p => p.Action == Action.Allow).ToList();
        if (allows.Count == 0)
        {
            return new RequestDecision(true, null, "no ALLOW policy applies", audited);
        }

        if (allows.FirstOrDefault(p => Matches(p, request)) is { } allow)
        {
            return new RequestDecision(true, allow.Name, $"allowed by {allow.Name}", audited);
        }

        return new RequestDecision(false, null, $"no ALLOW policy matched (checked {string.Join(", ", allows.Select(p => p.Name))})", audited);
    }

    private static bool Matches(PolicyAuthorization policy, RequestAttributes r) => policy.Rules.Any(rule => Matches(rule, r));

    private static bool Matches(PolicyRule rule, RequestAttributes r) =>
        (rule.From.Count == 0 || rule.From.Any(f => Matches(f, r)))
        && (rule.To.Count == 0 || rule.To.Any(t => Matches(t, r)))
        && rule.When.All(c => Matches(c, r));

    private static bool Matches(PolicySource s, RequestAttributes r) =>
        Field(s.Principals, s.NotPrincipals, r.Principal, ignoreCase: false)
        && Field(s.Namespaces, s.NotNamespaces, r.SourceNamespace, ignoreCase: false)
        && (s.IpBlocks.Count == 0 || s.IpBlocks.Any(b => InBlock(b, r.SourceIp)))
        && !s.NotIpBlocks.Any(b => InBlock(b, r.SourceIp));

    private static bool Matches(PolicyOperation o, RequestAttributes r) =>
        Field(o.Hosts, o.NotHosts, r.Host, ignoreCase: true)
        && (o.Ports.Count == 0 || o.Ports.Contains((uint)r.DestinationPort))
        && !o.NotPorts.Contains((uint)r.DestinationPort)
        && Field(o.Methods, o.NotMethods, r.Method, ignoreCase: false)
        && Field(o.Paths, o.NotPaths, r.Path, ignoreCase: false);

    private static bool Matches(PolicyCondition c, RequestAttributes r)
    {
        if (c.Key is "source.ip" or "remote.ip")
        {
            return (c.Values.Count == 0 || c.Values.Any(b => InBlock(b, r.SourceIp))) && !c.NotValues.Any(b => InBlock(b, r.SourceIp));
        }

        var value = c.Key switch
        {
            "source.namespace" => r.SourceNamespace,
            "source.principal" => r.Principal,
            "destination.port" => r.DestinationPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "request.host" => r.Host,
            "request.method" => r.Method,
            "request.path" => r.Path,
            _ when HeaderName(c.Key) is { } header => r.Headers.TryGetValue(header, out var values) ? values.ToString() : null,
            _ => null,
        };
        return Field(c.Values, c.NotValues, value, ignoreCase: false);
    }

    /// <summary>The header in a <c>request.headers[name]</c> key.</summary>
    private static string? HeaderName(string key) =>
        key.StartsWith("request.headers[", StringComparison.Ordinal) && key.EndsWith(']') ? key["request.headers[".Length..^1] : null;

    /// <summary>Any of <paramref name="values"/> (when given) and none of <paramref name="notValues"/>; an absent attribute matches no value.</summary>
    private static bool Field(IReadOnlyCollection<string> values, IReadOnlyCollection<string> notValues, string? actual, bool ignoreCase) =>
        (values.Count == 0 || values.Any(v => StringMatches(v, actual, ignoreCase)))
        && !notValues.Any(v => StringMatches(v, actual, ignoreCase));

    /// <summary>Istio's string forms: "*" (present), "abc*" (prefix), "*abc" (suffix), else exact.</summary>
    internal static bool StringMatches(string pattern, string? value, bool ignoreCase)
    {
        if (value is null)
        {
            return false;
        }

        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return pattern switch
        {
            "*" => true,
            _ when pattern.EndsWith('*') => value.StartsWith(pattern[..^1], comparison),
            _ when pattern.StartsWith('*') => value.EndsWith(pattern[1..], comparison),
            _ => string.Equals(value, pattern, comparison),
        };
    }

    private static bool InBlock(string block, IPAddress ip)
    {
        var slash = block.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? block : block[..slash], out var network))
        {
            return false;
        }

        var prefix = network.GetAddressBytes();
        var address = ip.GetAddressBytes();
        var bits = slash < 0 ? prefix.Length * 8 : int.TryParse(block[(slash + 1)..], out var l) ? l : -1;
        if (bits < 0 || prefix.Length != address.Length)
        {
            return false;
        }

        // Compared bit by bit under the mask: IPNetwork refuses blocks written with host bits set ("10.1.2.3/8"), which Istio accepts.
        for (var i = 0; i < address.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xff : (byte)(0xff << (8 - bits));
            if ((address[i] & mask) != (prefix[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The outcome of per-request policy: allowed or not, the deciding policy (none when no ALLOW matched), why, and the AUDIT policies that matched.</summary>
public sealed record RequestDecision(bool Allowed, string? Policy, string Reason, IReadOnlyList<string> Audited)
{
    public static readonly RequestDecision NoPolicy = new(true, null, "no policy applies", []);
}
