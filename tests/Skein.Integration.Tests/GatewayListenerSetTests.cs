using Skein.Integration.Tests.Infrastructure;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Integration.Tests;

/// <summary>A ListenerSet added to a running control plane: its status through the API and CLI, its listeners in the Gateway's xDS resource.</summary>
public sealed class GatewayListenerSetTests
{
    private const string Config = """
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: web}
        spec:
          selector: {app: echo}
          ports: [{name: http, port: 8080}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: shared
          namespace: web
          annotations: {skein.dev/node: edge}
        spec:
          gatewayClassName: skein
          allowedListeners: {namespaces: {from: Same}}
          listeners:
          - {name: http, port: 8080, protocol: HTTP, hostname: shared.example.com}
        """;

    private const string ListenerSet = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: team, namespace: web}
        spec:
          parentRef: {name: shared}
          listeners:
          - {name: team-http, port: 8081, protocol: HTTP, hostname: team.example.com}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: team, namespace: web}
        spec:
          parentRefs: [{kind: ListenerSet, group: gateway.networking.k8s.io, name: team}]
          rules: [{backendRefs: [{name: echo, port: 8080}]}]
        """;

    [Fact]
    public async Task A_listenerset_added_at_run_time_shows_status_and_reaches_the_gateway_proxy()
    {
        await using var mesh = new TestMesh();
        mesh.WriteConfig("gateway.yaml", Config);
        await mesh.StartControlAsync("--gateway-address-pool", $"{mesh.Block.Host(128)}/25");

        var before = await GatewayControlTests.GetOneAsync(mesh, "Gateway", "web", "shared");
        Assert.Equal("False", GatewayControlTests.Condition(before["status"]!["conditions"]!, "AttachedListenerSets")["status"]!.GetValue<string>());

        mesh.WriteConfig("listenerset.yaml", ListenerSet);
        await TestMesh.EventuallyAsync(
            async () => (await GatewayControlTests.GetOneAsync(mesh, "Gateway", "web", "shared"))["status"]!["attachedListenerSets"]?.GetValue<int>() == 1,
            TimeSpan.FromSeconds(10), "the ListenerSet to attach");

        var listenerSet = await GatewayControlTests.GetOneAsync(mesh, "ListenerSet", "web", "team");
        Assert.Equal("True", GatewayControlTests.Condition(listenerSet["status"]!["conditions"]!, "Accepted")["status"]!.GetValue<string>());
        Assert.Equal(1, listenerSet["status"]!["listeners"]![0]!["attachedRoutes"]!.GetValue<int>());
        var route = await GatewayControlTests.GetOneAsync(mesh, "HTTPRoute", "web", "team");
        Assert.Equal("ListenerSet", route["status"]!["parents"]![0]!["parentRef"]!["kind"]!.GetValue<string>());

        await using var get = TestProcess.Skein("get", ["get", "listenerset", "team", "-n", "web", "-o", "yaml", "--server", mesh.Api.ToString().TrimEnd('/')]);
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await TestMesh.EventuallyAsync(() => Task.FromResult(get.Output.Contains("attachedRoutes: 1", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "skein get to print the status");
        Assert.Contains("reason: Programmed", get.Output, StringComparison.Ordinal);

        // The gateway proxy of node "edge" gets the ListenerSet's listener after the Gateway's own, with its route.
        var proto = Assert.Single(await GatewayControlTests.SubscribeGatewaysAsync(mesh, "edge", "gateway")).Unpack<SkeinProto.Gateway>();
        Assert.Equal(["http", "web/team/team-http"], proto.Listeners.Select(l => l.Name));
        var added = proto.Listeners[1];
        Assert.Equal((8081u, "team.example.com"), (added.Port, added.Hostname));
        Assert.Equal("web/team", added.HttpRoutes.Single().Route);
        Assert.Empty(proto.Listeners[0].HttpRoutes);
    }
}
