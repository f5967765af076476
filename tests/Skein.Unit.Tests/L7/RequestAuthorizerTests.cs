using System.Net;
using Microsoft.AspNetCore.Http;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Authorization;
using Action = Skein.Core.Protos.Skein.PolicyAuthorization.Types.Action;

namespace Skein.Unit.Tests.L7;

/// <summary>Per-request AuthorizationPolicy as gateways and waypoints evaluate it.</summary>
public sealed class RequestAuthorizerTests
{
    private static readonly SpiffeId Client = SpiffeId.Parse("spiffe://cluster.local/ns/shop/sa/client");

    private static RequestAttributes Request(string method = "GET", string path = "/public/a", string host = "echo.mesh", int port = 8080,
        SpiffeId? peer = null, string ip = "127.0.0.5", string? tenant = null)
    {
        var headers = new HeaderDictionary();
        if (tenant is not null)
        {
            headers["x-tenant"] = tenant;
        }

        return new RequestAttributes(peer ?? Client, IPAddress.Parse(ip), port, method, path, host, headers);
    }

    private static PolicyAuthorization Policy(string name, Action action, params PolicyRule[] rules) =>
        new() { Name = $"mesh/{name}", Action = action, Rules = { rules } };

    private static PolicyRule To(PolicyOperation operation) => new() { To = { operation } };

    private static PolicyRule From(PolicySource source) => new() { From = { source } };

    private static bool Allowed(PolicyRule rule, RequestAttributes request) =>
        RequestAuthorizer.Evaluate([Policy("p", Action.Allow, rule)], request).Allowed;

    [Fact]
    public void No_policy_allows_and_an_allow_policy_that_does_not_match_denies_naming_none()
    {
        Assert.True(RequestAuthorizer.Evaluate([], Request()).Allowed);
        var decision = RequestAuthorizer.Evaluate([Policy("get-only", Action.Allow, To(new PolicyOperation { Methods = { "GET" } }))], Request(method: "POST"));
        Assert.False(decision.Allowed);
        Assert.Null(decision.Policy);
        Assert.Contains("mesh/get-only", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Deny_wins_over_a_matching_allow_and_is_named()
    {
        var decision = RequestAuthorizer.Evaluate(
        [
            Policy("allow-all", Action.Allow, new PolicyRule()),
            Policy("no-admin", Action.Deny, To(new PolicyOperation { Paths = { "/admin*" } })),
        ], Request(path: "/admin/users"));
        Assert.False(decision.Allowed);
        Assert.Equal("mesh/no-admin", decision.Policy);
        Assert.True(RequestAuthorizer.Evaluate([Policy("no-admin", Action.Deny, To(new PolicyOperation { Paths = { "/admin*" } }))], Request()).Allowed);
    }

    [Fact]
    public void Audit_records_without_deciding()
    {
        var decision = RequestAuthorizer.Evaluate([Policy("watch", Action.Audit, To(new PolicyOperation { Methods = { "GET" } }))], Request());
        Assert.True(decision.Allowed);
        Assert.Equal(["mesh/watch"], decision.Audited);
    }

    [Theory]
    [InlineData("/public/a", true)]
    [InlineData("/public", false)]
    [InlineData("/private", false)]
    public void Paths_exact(string path, bool allowed) =>
        Assert.Equal(allowed, Allowed(To(new PolicyOperation { Paths = { "/public/a" } }), Request(path: path)));

    [Theory]
    [InlineData("/public*", "/public/x", true)]
    [InlineData("/public*", "/private", false)]
    [InlineData("*.js", "/app/main.js", true)]
    [InlineData("*.js", "/app/main.css", false)]
    [InlineData("*", "/anything", true)]
    public void Paths_prefix_suffix_and_presence(string pattern, string path, bool allowed) =>
        Assert.Equal(allowed, Allowed(To(new PolicyOperation { Paths = { pattern } }), Request(path: path)));

    [Fact]
    public void Not_paths_and_not_methods_exclude()
    {
        var rule = To(new PolicyOperation { NotPaths = { "/admin*" }, NotMethods = { "DELETE" } });
        Assert.True(Allowed(rule, Request()));
        Assert.False(Allowed(rule, Request(path: "/admin")));
        Assert.False(Allowed(rule, Request(method: "DELETE")));
    }

    [Fact]
    public void Hosts_ignore_case_and_take_wildcards()
    {
        Assert.True(Allowed(To(new PolicyOperation { Hosts = { "ECHO.mesh" } }), Request()));
        Assert.True(Allowed(To(new PolicyOperation { Hosts = { "*.mesh" } }), Request()));
        Assert.False(Allowed(To(new PolicyOperation { Hosts = { "other.mesh" } }), Request()));
        Assert.False(Allowed(To(new PolicyOperation { NotHosts = { "echo.*" } }), Request()));
    }

    [Fact]
    public void Ports_compare_the_destination_port()
    {
        Assert.True(Allowed(To(new PolicyOperation { Ports = { 8080 } }), Request()));
        Assert.False(Allowed(To(new PolicyOperation { Ports = { 9090 } }), Request()));
        Assert.False(Allowed(To(new PolicyOperation { NotPorts = { 8080 } }), Request()));
    }

    [Fact]
    public void Principals_and_namespaces_use_the_verified_peer_and_never_match_without_one()
    {
        Assert.True(Allowed(From(new PolicySource { Principals = { "cluster.local/ns/shop/sa/client" } }), Request()));
        Assert.True(Allowed(From(new PolicySource { Principals = { "*/sa/client" } }), Request()));
        Assert.False(Allowed(From(new PolicySource { NotPrincipals = { "cluster.local/ns/shop/*" } }), Request()));
        Assert.True(Allowed(From(new PolicySource { Namespaces = { "shop" } }), Request()));
        Assert.False(Allowed(From(new PolicySource { Namespaces = { "other" } }), Request()));
        var outside = Request() with { Peer = null };
        Assert.False(Allowed(From(new PolicySource { Principals = { "*" } }), outside));
        Assert.False(Allowed(From(new PolicySource { Namespaces = { "shop" } }), outside));
    }

    [Fact]
    public void Ip_blocks_match_cidrs_and_single_addresses()
    {
        Assert.True(Allowed(From(new PolicySource { IpBlocks = { "127.0.0.0/24" } }), Request()));
        Assert.True(Allowed(From(new PolicySource { IpBlocks = { "127.0.0.5" } }), Request()));
        Assert.True(Allowed(From(new PolicySource { IpBlocks = { "127.9.9.9/8" } }), Request()));
        Assert.False(Allowed(From(new PolicySource { IpBlocks = { "10.0.0.0/8" } }), Request()));
        Assert.False(Allowed(From(new PolicySource { NotIpBlocks = { "127.0.0.0/8" } }), Request()));
    }

    [Fact]
    public void When_conditions_all_hold_and_unknown_keys_never_match()
    {
        var tenant = new PolicyRule { When = { new PolicyCondition { Key = "request.headers[x-tenant]", Values = { "blue" } } } };
        Assert.True(Allowed(tenant, Request(tenant: "blue")));
        Assert.False(Allowed(tenant, Request(tenant: "red")));
        Assert.False(Allowed(tenant, Request()));
        Assert.False(Allowed(new PolicyRule { When = { new PolicyCondition { Key = "request.auth.claims[iss]", Values = { "*" } } } }, Request()));
    }

    [Fact]
    public void Every_part_of_a_rule_must_match_and_any_rule_of_a_policy_may()
    {
        var both = new PolicyRule
        {
            From = { new PolicySource { Namespaces = { "shop" } } },
            To = { new PolicyOperation { Methods = { "GET" } } },
        };
        Assert.True(Allowed(both, Request()));
        Assert.False(Allowed(both, Request(method: "POST")));
        var either = RequestAuthorizer.Evaluate([Policy("p", Action.Allow, To(new PolicyOperation { Methods = { "POST" } }), To(new PolicyOperation { Paths = { "/public*" } }))], Request());
        Assert.True(either.Allowed);
        Assert.False(RequestAuthorizer.Evaluate([Policy("empty", Action.Allow)], Request()).Allowed);
    }
}
