using Skein.Core.Resources;

namespace Skein.Unit.Tests.Gateway;

public sealed class RoutePrecedenceTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          listeners:
          - {name: http, port: 80, protocol: HTTP}
        ---

        """;

    [Fact]
    public void Entries_are_flattened_per_match_and_sorted_exact_then_longest_prefix_then_method_headers_query()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: b-route, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches:
                - path: {type: PathPrefix, value: /}
                - path: {type: PathPrefix, value: /v2/example}
                backendRefs: [{name: infra-backend-v1, port: 8080}]
              - matches:
                - path: {type: PathPrefix, value: /v2}
                  headers: [{name: version, value: two}]
                - path: {type: PathPrefix, value: /v2}
                  method: POST
                - path: {type: PathPrefix, value: /v2}
                  headers: [{name: a, value: "1"}]
                  queryParams: [{name: q, value: "1"}]
                backendRefs: [{name: infra-backend-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: a-route, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches:
                - path: {type: Exact, value: /v2}
                - path: {type: PathPrefix, value: /v2}
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

        var entries = result.Proto("infra", "gw").Listeners.Single().HttpRoutes;
        var order = entries.Select(e => $"{e.Route}#{e.RuleIndex}:{e.Match.Path.Kind}:{e.Match.Path.Value}:{e.Match.Method}:{e.Match.Headers.Count}:{e.Match.QueryParams.Count}").ToList();
        Assert.Equal(
            [
                "infra/a-route#0:Exact:/v2::0:0",
                "infra/b-route#0:Prefix:/v2/example::0:0",
                "infra/b-route#1:Prefix:/v2:POST:0:0",
                "infra/b-route#1:Prefix:/v2::1:1",
                "infra/b-route#1:Prefix:/v2::1:0",
                "infra/a-route#0:Prefix:/v2::0:0",
                "infra/b-route#0:Prefix:/::0:0",
            ],
            order);
    }

    [Fact]
    public void Ties_go_to_the_oldest_route_then_the_name()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: a-newer, namespace: infra, creationTimestamp: "2024-02-01T00:00:00Z"}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: z-older, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: gw}]
              rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
            """);

        Assert.Equal(["infra/z-older", "infra/a-newer"], result.Proto("infra", "gw").Listeners.Single().HttpRoutes.Select(e => e.Route));
    }

    [Fact]
    public void Filters_timeouts_retries_and_weights_are_carried()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - name: main
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Set, value: one}]
                    remove: [x-gone]
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: infra-backend-v2, port: 8080}
                    percent: 25
                timeouts: {request: 10s, backendRequest: 2s}
                retry: {attempts: 2, codes: [503], backoff: 100ms}
                backendRefs:
                - {name: infra-backend-v1, port: 8080, weight: 70}
                - name: infra-backend-v2
                  port: 8080
                  weight: 30
                  filters:
                  - type: URLRewrite
                    urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
            """);

        var entry = result.Proto("infra", "gw").Listeners.Single().HttpRoutes.Single();
        Assert.Equal("main", entry.RuleName);
        Assert.Equal("X-Set", entry.Filters[0].RequestHeaderModifier.Set.Single().Name);
        Assert.Equal((25u, 100u), (entry.Filters[1].RequestMirror.Numerator, entry.Filters[1].RequestMirror.Denominator));
        Assert.Equal("infra/infra-backend-v2.infra.svc.cluster.local", entry.Filters[1].RequestMirror.Backend.Service);
        Assert.Equal(TimeSpan.FromSeconds(10), entry.RequestTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(2), entry.BackendRequestTimeout.ToTimeSpan());
        Assert.Equal(3u, entry.Retry.Attempts);
        Assert.Equal([503u], entry.Retry.Codes);
        Assert.Equal([70u, 30u], entry.Backends.Select(b => b.Weight));
        Assert.Equal("/new", entry.Backends[1].Filters.Single().UrlRewrite.Path.Value);
        Assert.Equal(8080u, entry.Backends[0].Backend.Port);
    }

    [Fact]
    public void Grpc_routes_become_http_entries_on_the_service_and_method_path()
    {
        var result = GatewayTestConfig.Compile(Gateway + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: g, namespace: infra}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches:
                - method: {method: EchoTwo}
                - method: {service: pkg.Echo}
                - method: {service: pkg.Echo, method: Echo}
                backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

        var entries = result.Proto("infra", "gw").Listeners.Single().HttpRoutes;
        Assert.All(entries, e => Assert.Equal("GRPCRoute", e.Kind));
        // Service characters count before method characters: a service-only match precedes a method-only one.
        Assert.Equal(["/pkg.Echo/Echo", "/pkg.Echo/", "/[^/]+/EchoTwo"], entries.Select(e => e.Match.Path.Value));
        Assert.Equal("kubernetes.io/h2c", entries[0].Backends[0].Backend.AppProtocol);
        var status = result.RouteStatus("GRPCRoute", "infra", "g");
        Assert.Equal(("True", "Accepted"), status.Parents.Single().Conditions.Of("Accepted"));
    }
}
