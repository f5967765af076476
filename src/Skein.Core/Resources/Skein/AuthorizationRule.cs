namespace Skein.Core.Resources;

/// <summary>A rule: every non-empty part (from, to, when) must match.</summary>
public sealed class AuthorizationRule
{
    /// <summary>Request sources; any entry may match.</summary>
    public List<AuthorizationRuleFrom> From { get; set; } = [];

    /// <summary>Request operations; any entry may match.</summary>
    public List<AuthorizationRuleTo> To { get; set; } = [];

    /// <summary>Extra conditions; all must hold.</summary>
    public List<AuthorizationCondition> When { get; set; } = [];
}

/// <summary>One source clause of a rule.</summary>
public sealed class AuthorizationRuleFrom
{
    /// <summary>The source attributes to match.</summary>
    [Required]
    public AuthorizationSource Source { get; set; } = new();
}

/// <summary>One operation clause of a rule.</summary>
public sealed class AuthorizationRuleTo
{
    /// <summary>The operation attributes to match.</summary>
    [Required]
    public AuthorizationOperation Operation { get; set; } = new();
}

/// <summary>Who sends the request: identities, namespaces and addresses (set fields are ANDed).</summary>
public sealed class AuthorizationSource
{
    /// <summary>Peer identities ("cluster.local/ns/default/sa/web", prefix or suffix "*" allowed).</summary>
    public List<string> Principals { get; set; } = [];

    /// <summary>Peer identities that must not match.</summary>
    public List<string> NotPrincipals { get; set; } = [];

    /// <summary>Namespaces of the peer identity.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Namespaces that must not match.</summary>
    public List<string> NotNamespaces { get; set; } = [];

    /// <summary>Source IPs or CIDR blocks.</summary>
    [Format(FieldFormat.IpOrCidr)]
    public List<string> IpBlocks { get; set; } = [];

    /// <summary>Source IPs or CIDR blocks that must not match.</summary>
    [Format(FieldFormat.IpOrCidr)]
    public List<string> NotIpBlocks { get; set; } = [];
}

/// <summary>What the request does: ports (L4) and methods, paths, hosts (L7; enforced by waypoints).</summary>
public sealed class AuthorizationOperation
{
    /// <summary>Destination ports, as strings ("8080").</summary>
    [Format(FieldFormat.PortString)]
    public List<string> Ports { get; set; } = [];

    /// <summary>Destination ports that must not match.</summary>
    [Format(FieldFormat.PortString)]
    public List<string> NotPorts { get; set; } = [];

    /// <summary>HTTP methods.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>HTTP methods that must not match.</summary>
    public List<string> NotMethods { get; set; } = [];

    /// <summary>HTTP paths (exact, prefix "/api/*" or suffix "*.js").</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>HTTP paths that must not match.</summary>
    public List<string> NotPaths { get; set; } = [];

    /// <summary>HTTP hosts.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>HTTP hosts that must not match.</summary>
    public List<string> NotHosts { get; set; } = [];
}

/// <summary>An extra condition on a request attribute, e.g. key "request.headers[x-tenant]".</summary>
public sealed class AuthorizationCondition
{
    /// <summary>The attribute name.</summary>
    [Required]
    public string Key { get; set; } = "";

    /// <summary>Values, any of which must match.</summary>
    public List<string> Values { get; set; } = [];

    /// <summary>Values none of which may match.</summary>
    public List<string> NotValues { get; set; } = [];
}
