using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Skein.Core.Protos.Envoy.Discovery;
using Skein.Core.Xds;
using Skein.Integration.Tests.Infrastructure;
using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Integration.Tests;

/// <summary>The control plane's Gateway API side: status through the API and CLI, xDS to gateway proxies, Gateway identities.</summary>
public sealed class GatewayControlTests
{
    private static string Config => """
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
          name: ingress
          namespace: web
          annotations: {skein.dev/node: edge}
        spec:
          gatewayClassName: skein
          listeners:
          - {name: http, port: 8080, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: echo, namespace: web}
        spec:
          parentRefs: [{name: ingress}]
          hostnames: [echo.example.com]
          rules:
          - matches: [{path: {type: PathPrefix, value: /}}]
            backendRefs: [{name: echo, port: 8080}]
        """;

    [Fact]
    public async Task A_gateway_and_its_route_show_status_and_reach_the_gateway_proxy_of_its_node()
    {
        await using var mesh = new TestMesh();
        mesh.WriteConfig("gateway.yaml", Config);
        var pool = $"{mesh.Block.Host(128)}/25";
        await mesh.StartControlAsync("--gateway-address-pool", pool);

        var gateway = await GetOneAsync(mesh, "Gateway", "web", "ingress");
        var status = gateway["status"]!;
        Assert.Equal("True", Condition(status["conditions"]!, "Accepted")["status"]!.GetValue<string>());
        Assert.Equal("True", Condition(status["conditions"]!, "Programmed")["status"]!.GetValue<string>());
        var address = IPAddress.Parse(status["addresses"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(mesh.Block.Host(0).GetAddressBytes()[..3], address.GetAddressBytes()[..3]);
        Assert.True(address.GetAddressBytes()[3] >= 128, $"{address} is outside {pool}");
        Assert.Equal(1, status["listeners"]![0]!["attachedRoutes"]!.GetValue<int>());

        var route = await GetOneAsync(mesh, "HTTPRoute", "web", "echo");
        var parent = route["status"]!["parents"]![0]!;
        Assert.Equal("skein.dev/gateway-controller", parent["controllerName"]!.GetValue<string>());
        Assert.Equal("True", Condition(parent["conditions"]!, "Accepted")["status"]!.GetValue<string>());
        Assert.Equal("True", Condition(parent["conditions"]!, "ResolvedRefs")["status"]!.GetValue<string>());

        await using var get = TestProcess.Skein("get", ["get", "gateway", "ingress", "-n", "web", "-o", "yaml", "--server", mesh.Api.ToString().TrimEnd('/')]);
        Assert.Equal(0, await get.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await TestMesh.EventuallyAsync(() => Task.FromResult(get.Output.Contains($"value: {address}")), TimeSpan.FromSeconds(5), "skein get to print the status");
        Assert.Contains("status:", get.Output);
        Assert.Contains("reason: Programmed", get.Output);

        // skein check names a route the control plane could not resolve.
        mesh.WriteConfig("broken.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: broken, namespace: web}
            spec:
              parentRefs: [{name: ingress, sectionName: http}]
              rules: [{backendRefs: [{name: missing, port: 8080}]}]
            """);
        await TestMesh.EventuallyAsync(async () => (await mesh.Http.GetStringAsync(new Uri(mesh.Api, "api/v1/resources?kind=HTTPRoute&name=broken"))).Contains("BackendNotFound"),
            TimeSpan.FromSeconds(10), "the broken route's status");
        await using var check = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString().TrimEnd('/')]);
        Assert.Equal(0, await check.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await TestMesh.EventuallyAsync(() => Task.FromResult(check.Output.Contains("warning(s).")), TimeSpan.FromSeconds(5), "skein check to finish its output");
        Assert.Contains("warning: HTTPRoute web/broken (parent Gateway web/ingress section http): ResolvedRefs False (BackendNotFound): Service web/missing does not exist", check.Output);
        Assert.DoesNotContain("HTTPRoute web/echo", check.Output);

        // The gateway-role proxy of node "edge" gets the Gateway; the same node's waypoint role and other nodes do not.
        var served = await SubscribeGatewaysAsync(mesh, "edge", "gateway");
        var proto = Assert.Single(served).Unpack<SkeinProto.Gateway>();
        Assert.Equal(("web", "ingress"), (proto.Namespace, proto.Name));
        Assert.Equal(address, new IPAddress(proto.Addresses[0].Span));
        Assert.Equal("spiffe://cluster.local/ns/web/sa/ingress", proto.Identity);
        Assert.Equal("web/echo.web.svc.cluster.local", proto.Listeners.Single().HttpRoutes.Single(r => r.Route == "web/echo").Backends.Single().Backend.Service);
        Assert.Empty(await SubscribeGatewaysAsync(mesh, "edge", "waypoint"));
        Assert.Empty(await SubscribeGatewaysAsync(mesh, "gateway", "gateway"));

        // The CA issues the Gateway's identity to its node only.
        using var channel = IdentityTests.CaChannel(mesh);
        var issued = await IdentityTests.RequestAsync(channel, mesh.TokenFor("edge"), "spiffe://cluster.local/ns/web/sa/ingress");
        Assert.NotEmpty(issued.CertChain);
        var denied = await Assert.ThrowsAsync<RpcException>(() => IdentityTests.RequestAsync(channel, mesh.TokenFor("elsewhere"), "spiffe://cluster.local/ns/web/sa/ingress"));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    internal static async Task<JsonNode> GetOneAsync(TestMesh mesh, string kind, string ns, string name)
    {
        var body = await mesh.GetJsonAsync(new Uri(mesh.Api, $"api/v1/resources?kind={kind}&namespace={ns}&name={name}"));
        return Assert.Single(body["items"]!.AsArray())!;
    }

    internal static JsonNode Condition(JsonNode conditions, string type) =>
        conditions.AsArray().Single(c => c!["type"]!.GetValue<string>() == type)!;

    /// <summary>Opens a delta xDS stream as a proxy of a role and returns the Gateway resources of the first response.</summary>
    internal static async Task<IReadOnlyList<Any>> SubscribeGatewaysAsync(TestMesh mesh, string node, string role)
    {
        using var channel = IdentityTests.CaChannel(mesh);
        var headers = new Metadata { { "authorization", $"Bearer {mesh.TokenFor(node)}" } };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).DeltaAggregatedResources(headers, cancellationToken: cts.Token);
        var request = new DeltaDiscoveryRequest
        {
            TypeUrl = TypeUrls.Gateway,
            Node = new Skein.Core.Protos.Envoy.Core.Node { Id = node, Metadata = new Struct() },
        };
        request.Node.Metadata.Fields["ROLE"] = Value.ForString(role);
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var response = call.ResponseStream.Current;
        Assert.Equal(TypeUrls.Gateway, response.TypeUrl);
        await call.RequestStream.CompleteAsync();
        return response.Resources.Select(r => r.Resource_).ToList();
    }
}
