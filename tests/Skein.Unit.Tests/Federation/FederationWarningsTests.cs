using Skein.Control.Federation;
using Skein.Core.Resources;

namespace Skein.Unit.Tests.Federation;

public sealed class FederationWarningsTests
{
    [Theory]
    [InlineData("mesh-b.test/ns/default/sa/client", "mesh-b.test")]
    [InlineData("spiffe://mesh-b.test/ns/default/sa/client", "mesh-b.test")]
    [InlineData("*", null)]
    [InlineData("*/ns/default/sa/client", null)]
    [InlineData("mesh-b.test", null)]
    public void The_trust_domain_of_a_principal(string principal, string? trustDomain) =>
        Assert.Equal(trustDomain, FederationWarnings.TrustDomainOf(principal));

    [Fact]
    public void Unknown_trust_domains_and_failing_federations_are_reported()
    {
        var resources = TestConfig.Store("""
            apiVersion: skein.dev/v1alpha1
            kind: MeshFederation
            metadata: {name: east, namespace: skein-system}
            spec: {trustDomain: east.test, bundleEndpointURL: https://east.test/bundle}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: p, namespace: default}
            spec:
              rules:
              - from:
                - source: {principals: [mesh.local/ns/a/sa/b, east.test/ns/a/sa/b, west.test/ns/a/sa/b, "*"]}
                when:
                - key: source.principal
                  values: [spiffe://north.test/ns/a/sa/b]
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workload
            metadata: {name: far, namespace: default}
            spec: {node: n, trustDomain: south.test, addresses: [10.0.0.1]}
            """).Current.Resources.Values.ToList();
        var statuses = new Dictionary<ResourceKey, MeshFederationStatus?>
        {
            [new ResourceKey("MeshFederation", "skein-system", "east")] = new()
            {
                Conditions = [new StatusCondition { Type = "BundleFetched", Status = "False", Reason = "FetchFailed", Message = "connection refused" }],
            },
        };

        var warnings = FederationWarnings.Of(resources, statuses, "mesh.local").ToList();

        Assert.Equal(4, warnings.Count);
        Assert.Contains("MeshFederation skein-system/east cannot fetch the bundle of east.test (FetchFailed): connection refused", warnings);
        Assert.Contains(warnings, w => w.StartsWith("AuthorizationPolicy default/p names principal \"west.test/ns/a/sa/b\" of trust domain west.test", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("AuthorizationPolicy default/p names principal \"spiffe://north.test/ns/a/sa/b\"", StringComparison.Ordinal));
        Assert.Contains("Workload default/far is in trust domain south.test, which no MeshFederation federates: connections to it are refused", warnings);
    }
}
