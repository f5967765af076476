using SkeinProto = Skein.Core.Protos.Skein;

namespace Skein.Unit.Tests.Gateway;

public sealed class TrafficPolicyTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: skein
          addresses: [{value: 127.0.56.1}]
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: infra}
        spec:
          parentRefs: [{name: gw}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /own}}]
            retry: {codes: [500], attempts: 1}
            timeouts: {request: 9s}
            backendRefs: [{name: infra-backend-v1, port: 8080}]
          - backendRefs: [{name: infra-backend-v1, port: 8080, weight: 1}, {name: infra-backend-v2, port: 8080, weight: 1}]
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: v1-policy, namespace: infra, creationTimestamp: "2026-01-01T00:00:00Z"}
        spec:
          targetRefs: [{group: "", kind: Service, name: infra-backend-v1}]
          connectionPool: {maxConnections: 10, maxPendingRequests: 0, maxRequests: 100}
          outlierDetection: {consecutiveGatewayErrors: 3, baseEjectionTime: 1m, maxEjectionPercent: 50}
          retries: {attempts: 2, perTryTimeout: 2s, retryOn: [gateway-error, connect-failure, "409"]}
          timeouts: {request: 5s}
          rateLimit: {requestsPerSecond: 2.5}
          faults:
            abort: {percentage: 10, httpStatus: 418}
        ---
        apiVersion: skein.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: younger, namespace: infra, creationTimestamp: "2026-02-01T00:00:00Z"}
        spec:
          targetRefs: [{group: "", kind: Service, name: infra-backend-v1}]
          rateLimit: {requestsPerSecond: 1000}
        ---

        """;

    private static SkeinProto.Gateway Compile() => GatewayTestConfig.Compile(Gateway).Proto("infra", "gw");

    [Fact]
    public void The_gateway_carries_the_limits_of_the_services_it_routes_to_from_the_oldest_policy()
    {
        var proto = Compile();
        var policy = Assert.Single(proto.Resilience);
        Assert.Equal("infra/infra-backend-v1.infra.svc.cluster.local", policy.Key);
        Assert.Equal("infra/v1-policy", policy.Value.Policy);
        Assert.Equal(10u, policy.Value.ConnectionPool.MaxConnections);
        Assert.True(policy.Value.ConnectionPool.HasMaxPendingRequests);
        Assert.Equal(0u, policy.Value.ConnectionPool.MaxPendingRequests);
        Assert.Equal(3u, policy.Value.OutlierDetection.ConsecutiveGatewayErrors);
        Assert.Equal(5u, policy.Value.OutlierDetection.Consecutive5XxErrors); // Istio's default
        Assert.Equal(TimeSpan.FromMinutes(1), policy.Value.OutlierDetection.BaseEjectionTime.ToTimeSpan());
        Assert.Equal(2.5, policy.Value.RateLimit.RequestsPerSecond);
        Assert.Equal(3u, policy.Value.RateLimit.Burst); // the rate rounded up
    }

    [Fact]
    public void Routes_without_retries_or_timeouts_get_the_policy_defaults_and_routes_with_them_keep_theirs()
    {
        var routes = Compile().Listeners.Single().HttpRoutes;
        var own = routes.Single(r => r.Match.Path.Value == "/own");
        Assert.Equal(2u, own.Retry.Attempts);
        Assert.Equal([500u], own.Retry.Codes);
        Assert.Equal(TimeSpan.FromSeconds(9), own.RequestTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(2), own.BackendRequestTimeout.ToTimeSpan()); // the route set none

        var split = routes.Single(r => r.Match.Path.Value == "/");
        Assert.Equal(3u, split.Retry.Attempts);
        Assert.Equal([409u, 502u, 503u, 504u], split.Retry.Codes);
        Assert.Equal(TimeSpan.FromSeconds(5), split.RequestTimeout.ToTimeSpan());
    }

    [Fact]
    public void Faults_become_a_fault_filter_on_the_policy_services_backend_refs_only()
    {
        var split = Compile().Listeners.Single().HttpRoutes.Single(r => r.Match.Path.Value == "/");
        var v1 = split.Backends.Single(b => b.Backend.Service.StartsWith("infra/infra-backend-v1", StringComparison.Ordinal));
        var fault = Assert.Single(v1.Filters).Fault;
        Assert.Equal(418u, fault.AbortStatus);
        Assert.Equal(10, fault.AbortPercent);
        Assert.Null(fault.Delay);
        Assert.Empty(split.Backends.Single(b => b != v1).Filters);
        Assert.Empty(split.Filters);
    }

    [Fact]
    public void Without_policies_nothing_changes()
    {
        var yaml = Gateway[..Gateway.IndexOf("apiVersion: skein.dev", StringComparison.Ordinal)];
        var proto = GatewayTestConfig.Compile(yaml).Proto("infra", "gw");
        Assert.Empty(proto.Resilience);
        Assert.All(proto.Listeners.Single().HttpRoutes.Where(r => r.Match.Path.Value == "/"), r => Assert.Null(r.Retry));
    }
}
