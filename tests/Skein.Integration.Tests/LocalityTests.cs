using System.Net;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>Locality-aware endpoint choice at the node proxy: the caller's zone while it has an endpoint, failover when it has none, and a TrafficPolicy's algorithm.</summary>
public sealed class LocalityTests
{
    private const int UpstreamPort = 18080;

    [Fact]
    public async Task The_node_proxy_prefers_the_callers_zone_fails_over_and_follows_the_traffic_policy()
    {
        await using var mesh = new TestMesh();
        var echoA = mesh.Block.Host(10);
        var echoB = mesh.Block.Host(20);
        var client = mesh.Block.Host(11);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            InZone(Yaml.Workload("echo-a", "default", "node-1", echoA, "echo", "echo"), "eu-a") +
            InZone(Yaml.Workload("echo-b", "default", "node-2", echoB, "echo", "echo"), "eu-b") +
            InZone(Yaml.Workload("client-1", "default", "node-1", client, "client", "client", ("echo", 80, UpstreamPort)), "eu-a"));

        var inZone = await mesh.StartEchoAsync("echo-a", new IPEndPoint(echoA, 8080));
        await mesh.StartEchoAsync("echo-b", new IPEndPoint(echoB, 8080));
        await mesh.StartControlAsync();
        await mesh.StartProxyAsync("node-1", mesh.Block.Host(2));
        await mesh.StartProxyAsync("node-2", mesh.Block.Host(3));
        await mesh.WaitListeningAsync(new IPEndPoint(client, UpstreamPort));
        await TestMesh.EventuallyAsync(async () => (await AnswersAsync(client, 1)).Count == 1, TimeSpan.FromSeconds(20), "the first request through the mesh");

        // Both endpoints are healthy and equally fast: every connection stays in the caller's zone.
        Assert.Equal(["echo-a"], await AnswersAsync(client, 20));

        // The zone's only endpoint goes away: connections fail over to the other zone (the connect failure is retried there).
        await inZone.DisposeAsync();
        Assert.Equal(["echo-b"], await AnswersAsync(client, 10));

        // A TrafficPolicy turns the preference off and asks for round robin: both zones take turns.
        await mesh.StartEchoAsync("echo-a", new IPEndPoint(echoA, 8080));
        mesh.WriteConfig("policy.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: TrafficPolicy
            metadata:
              name: echo-spread
              namespace: default
            spec:
              targetRefs:
              - group: ""
                kind: Service
                name: echo
              loadBalancer:
                type: ROUND_ROBIN
                localityPreference: false
            """);
        await TestMesh.EventuallyAsync(async () => (await AnswersAsync(client, 10)).Count == 2, TimeSpan.FromSeconds(20), "round robin over both zones");
    }

    private static string InZone(string workloadYaml, string zone) =>
        workloadYaml.Replace("spec:\n", $"spec:\n  locality:\n    region: eu\n    zone: {zone}\n", StringComparison.Ordinal);

    /// <summary>The workloads that answered <paramref name="count"/> requests, each on a new connection (so a new endpoint choice).</summary>
    private static async Task<List<string>> AnswersAsync(IPAddress client, int count)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            var body = await http.GetStringAsync($"http://{client}:{UpstreamPort}/where");
            seen.Add(body.Contains("echo-a", StringComparison.Ordinal) ? "echo-a" : body.Contains("echo-b", StringComparison.Ordinal) ? "echo-b" : body);
        }

        return [.. seen];
    }
}
