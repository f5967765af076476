using Skein.Control;
using Skein.Control.Compiler;
using Skein.Core.Protos.Skein;
using Skein.Core.Xds;

namespace Skein.Unit.Tests;

public sealed class PeerAuthenticationTests
{
    private const string Workload = """
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
        ---

        """;

    private static WorkloadMtls Resolve(string policies) =>
        new MeshCompiler(new ControlPlaneOptions { ConfigDirectory = "." }).Compile(TestConfig.Store(Workload + policies).Current, "n")
            .Get(TypeUrls.WorkloadMtls)["embedded/skein.dev/Workload/shop/db-1"].Body.Unpack<WorkloadMtls>();

    private static string Pa(string name, string ns, string? mode, string extra = "") => $"""
        apiVersion: skein.dev/v1alpha1
        kind: PeerAuthentication
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {(mode is null ? "" : $"  mtls:\n    mode: {mode}\n")}{extra}---

        """;

    [Fact]
    public void Without_any_policy_a_workload_is_strict() => Assert.Equal(MtlsMode.Strict, Resolve("").Mode);

    [Fact]
    public void The_most_specific_policy_wins_and_unset_inherits()
    {
        var root = Pa("mesh", "skein-system", "PERMISSIVE");
        var ns = Pa("ns", "shop", "DISABLE");
        var selected = Pa("db", "shop", "STRICT", "  selector:\n    matchLabels:\n      app: db\n");
        var unset = Pa("db", "shop", "UNSET", "  selector:\n    matchLabels:\n      app: db\n");

        Assert.Equal(MtlsMode.Permissive, Resolve(root).Mode);
        Assert.Equal(MtlsMode.Disable, Resolve(root + ns).Mode);
        Assert.Equal(MtlsMode.Strict, Resolve(root + ns + selected).Mode);
        var inherited = Resolve(root + ns + unset);
        Assert.Equal(MtlsMode.Disable, inherited.Mode);
        Assert.Equal(["shop/db", "shop/ns", "skein-system/mesh"], inherited.Policies);
    }

    [Fact]
    public void Port_level_modes_override_the_workload_mode_for_that_port_only()
    {
        var mtls = Resolve(Pa("db", "shop", "STRICT", "  selector:\n    matchLabels:\n      app: db\n  portLevelMtls:\n    \"9090\":\n      mode: DISABLE\n    \"8080\":\n      mode: STRICT\n"));
        Assert.Equal(MtlsMode.Strict, mtls.Mode);
        Assert.Equal(MtlsMode.Disable, mtls.Ports[9090]);
        Assert.False(mtls.Ports.ContainsKey(8080)); // same as the workload mode: not repeated
    }
}
