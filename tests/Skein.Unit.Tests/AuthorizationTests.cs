using System.Collections.Immutable;
using System.Net;
using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Identity;
using Skein.Core.Protos.Workload;
using Skein.Core.Xds;
using Skein.Proxy.Policy;
using Skein.Proxy.State;
using Security = Skein.Core.Protos.Security;

namespace Skein.Unit.Tests;

/// <summary>AuthorizationPolicy from YAML through the compiler to the proxy's L4 decision.</summary>
public sealed class AuthorizationTests
{
    private const string Workloads = """
        apiVersion: v1
        kind: Service
        metadata:
          name: db
          namespace: shop
        spec:
          selector:
            app: db
          ports:
          - port: 5432
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: db-1
          namespace: shop
          labels:
            app: db
        spec:
          node: n
          addresses: [10.0.0.9]
          serviceAccount: db
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata:
          name: web-1
          namespace: shop
          labels:
            app: web
        spec:
          node: n
          addresses: [10.0.0.8]
          serviceAccount: web
        ---

        """;

    private static MeshState Mesh(string policies)
    {
        var view = new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." }).Compile(TestConfig.Store(Workloads + policies).Current, "n");
        var workloads = ImmutableDictionary.CreateBuilder<string, Workload>();
        var services = ImmutableDictionary.CreateBuilder<string, Service>();
        foreach (var (name, resource) in view.Get(TypeUrls.Address))
        {
            var address = resource.Body.Unpack<Address>();
            if (address.Workload is { } w)
            {
                workloads[name] = w;
            }
            else
            {
                services[name] = address.Service;
            }
        }

        var authz = view.Get(TypeUrls.Authorization).ToImmutableDictionary(p => p.Key, p => p.Value.Body.Unpack<Security.Authorization>());
        return MeshState.Empty.With(workloads: workloads.ToImmutable(), services: services.ToImmutable(), policies: authz);
    }

    private static AuthorizationDecision Check(MeshState mesh, string? fromSa, string fromNs = "shop", int port = 5432, string sourceIp = "10.0.0.8", string workload = "db-1")
    {
        var destination = mesh.Workloads.Values.Single(w => w.Name == workload);
        SpiffeId? id = fromSa is null ? null : SpiffeId.ForWorkload("cluster.local", fromNs, fromSa);
        return AuthorizationEvaluator.Evaluate(mesh, destination, new ConnectionAttributes(id, IPAddress.Parse(sourceIp), IPAddress.Parse("10.0.0.9"), port));
    }

    private static string Policy(string name, string action, string rules, string ns = "shop", string selector = "  selector:\n    matchLabels:\n      app: db\n") => $"""
        apiVersion: skein.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {selector}  action: {action}
          rules:
        {rules}
        ---

        """;

    [Fact]
    public void Without_an_allow_policy_everything_is_allowed()
    {
        var decision = Check(Mesh(""), "web");
        Assert.True(decision.Allowed);
        Assert.Equal("no ALLOW policy applies", decision.Reason);
        Assert.True(Check(Mesh(""), null).Allowed);
    }

    [Fact]
    public void An_allow_policy_admits_only_the_principals_it_names_and_never_plaintext()
    {
        var mesh = Mesh(Policy("web-only", "ALLOW", "  - from:\n    - source:\n        principals: [cluster.local/ns/shop/sa/web]"));
        Assert.True(Check(mesh, "web").Allowed);
        var other = Check(mesh, "batch");
        Assert.False(other.Allowed);
        Assert.Contains("shop/web-only", other.Reason);
        Assert.False(Check(mesh, null).Allowed);
        Assert.True(Check(mesh, "anyone", workload: "web-1").Allowed); // the selector does not pick web-1
    }

    [Fact]
    public void Deny_wins_over_allow_and_names_the_policy()
    {
        var mesh = Mesh(
            Policy("all-in-shop", "ALLOW", "  - from:\n    - source:\n        namespaces: [shop]") +
            Policy("no-batch", "DENY", "  - from:\n    - source:\n        principals: [\"*/sa/batch\"]"));
        Assert.True(Check(mesh, "web").Allowed);
        var denied = Check(mesh, "batch");
        Assert.False(denied.Allowed);
        Assert.Equal("shop/no-batch", denied.Policy);
        Assert.False(Check(mesh, "web", fromNs: "other").Allowed);
    }

    [Fact]
    public void Ports_ip_blocks_and_when_conditions_are_enforced()
    {
        var mesh = Mesh(Policy("narrow", "ALLOW",
            "  - to:\n    - operation:\n        ports: [\"5432\"]\n    from:\n    - source:\n        ipBlocks: [10.0.0.0/24]\n        notIpBlocks: [10.0.0.66]\n    when:\n    - key: source.namespace\n      values: [shop]"));
        Assert.True(Check(mesh, "web").Allowed);
        Assert.False(Check(mesh, "web", port: 9000).Allowed);
        Assert.False(Check(mesh, "web", sourceIp: "10.0.1.8").Allowed);
        Assert.False(Check(mesh, "web", sourceIp: "10.0.0.66").Allowed);
        Assert.False(Check(mesh, "web", fromNs: "elsewhere").Allowed);
    }

    [Fact]
    public void Request_level_rules_fail_closed_at_l4()
    {
        // ALLOW needing HTTP methods cannot be proven at L4: it admits nothing.
        var allow = Mesh(Policy("get-only", "ALLOW", "  - to:\n    - operation:\n        methods: [GET]"));
        Assert.False(Check(allow, "web").Allowed);

        // DENY for one method of one principal: at L4 it denies that principal entirely.
        var deny = Mesh(Policy("no-delete", "DENY", "  - from:\n    - source:\n        principals: [cluster.local/ns/shop/sa/web]\n    to:\n    - operation:\n        methods: [DELETE]"));
        Assert.False(Check(deny, "web").Allowed);
        Assert.True(Check(deny, "batch").Allowed);
    }

    [Fact]
    public void Namespace_and_root_namespace_policies_apply_without_a_selector()
    {
        var nsWide = Mesh(Policy("shop-only", "ALLOW", "  - from:\n    - source:\n        namespaces: [shop]", selector: ""));
        Assert.False(Check(nsWide, "web", fromNs: "other", workload: "web-1").Allowed);
        Assert.True(Check(nsWide, "web", workload: "web-1").Allowed);

        var global = Mesh("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: skein-system
            ---

            """ + Policy("deny-legacy", "DENY", "  - from:\n    - source:\n        namespaces: [legacy]", ns: "skein-system", selector: ""));
        Assert.False(Check(global, "x", fromNs: "legacy").Allowed);
        Assert.True(Check(global, "x", fromNs: "shop").Allowed);
    }

    [Fact]
    public void Audit_policies_are_recorded_without_changing_the_decision_and_service_targets_select_backends()
    {
        var mesh = Mesh(Policy("watch", "AUDIT", "  - from:\n    - source:\n        principals: [\"*\"]",
            selector: "  targetRefs:\n  - kind: Service\n    name: db\n"));
        var decision = Check(mesh, "web");
        Assert.True(decision.Allowed);
        Assert.Equal(["shop/watch"], decision.Audited);
        Assert.Empty(Check(mesh, "web", workload: "web-1").Audited);
    }
}
