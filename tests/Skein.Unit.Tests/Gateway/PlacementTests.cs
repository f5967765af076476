using Skein.Control;
using Skein.Control.Ca;
using Skein.Control.Compiler;
using Skein.Core.Xds;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

public sealed class PlacementTests
{
    private const string Gateways = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: default-node, namespace: infra}
        spec:
          gatewayClassName: skein
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: edge
          namespace: infra
          annotations: {skein.dev/node: edge-1}
        spec:
          gatewayClassName: skein
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: waypoint, namespace: infra}
        spec:
          gatewayClassName: skein-waypoint
          listeners: [{name: mesh, port: 15008, protocol: HBONE}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: Workload
        metadata: {name: backend-1, namespace: infra, labels: {app: infra-backend-v1}}
        spec:
          node: node-a
          addresses: [127.0.10.5]
          serviceAccount: backend
        """;

    private static readonly MeshCompiler Compiler = new(new ControlPlaneOptions { ConfigDirectory = "." });

    [Theory]
    [InlineData("gateway", "gateway", "infra/default-node")]
    [InlineData("edge-1", "gateway", "infra/edge")]
    [InlineData("waypoint", "waypoint", "infra/waypoint")]
    public void Gateways_go_to_proxies_of_their_role_on_their_node(string node, string role, string expected)
    {
        var view = Compiler.Compile(TestConfig.Store(GatewayTestConfig.Base + Gateways).Current, node, role);
        Assert.Equal([expected], view.Get(TypeUrls.Gateway).Keys);
        Assert.Equal(expected, view.Get(TypeUrls.Gateway)[expected].Body.Unpack<SkeinProto.Gateway>() is { } g ? $"{g.Namespace}/{g.Name}" : null);

        // Gateways resolve backends like node proxies: they get the mesh-wide addresses and peer modes too.
        Assert.Contains("infra/infra-backend-v1.infra.svc.cluster.local", view.Get(TypeUrls.Address).Keys);
        Assert.NotEmpty(view.Get(TypeUrls.WorkloadMtls));
    }

    [Fact]
    public void Node_proxies_and_other_roles_get_no_gateways()
    {
        var snapshot = TestConfig.Store(GatewayTestConfig.Base + Gateways).Current;
        Assert.Empty(Compiler.Compile(snapshot, "gateway").Get(TypeUrls.Gateway));
        Assert.Empty(Compiler.Compile(snapshot, "gateway", "waypoint").Get(TypeUrls.Gateway));
        Assert.Empty(Compiler.Compile(snapshot, "waypoint", "gateway").Get(TypeUrls.Gateway));
    }

    [Theory]
    [InlineData("edge-1", "infra", "edge", true)]
    [InlineData("gateway", "infra", "default-node", true)]
    [InlineData("waypoint", "infra", "waypoint", true)]
    [InlineData("node-a", "infra", "backend", true)]
    [InlineData("gateway", "infra", "edge", false)]
    [InlineData("edge-1", "infra", "default-node", false)]
    [InlineData("edge-1", "other", "edge", false)]
    [InlineData("node-a", "infra", "edge", false)]
    public void A_node_may_hold_the_identities_of_the_workloads_and_gateways_placed_on_it(string node, string ns, string serviceAccount, bool allowed)
    {
        var snapshot = TestConfig.Store(GatewayTestConfig.Base + Gateways).Current;
        var result = NodeIdentityGrants.Allows(snapshot, Compiler.GatewayApi(snapshot), node, ns, serviceAccount, out var reason);
        Assert.Equal(allowed, result);
        Assert.Equal(allowed, reason.Length == 0);
        if (!allowed)
        {
            Assert.Contains(node, reason, StringComparison.Ordinal);
        }
    }
}
