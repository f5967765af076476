using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>The control plane's ALS endpoint and the Telemetry resource, with real processes.</summary>
public sealed class TelemetryTests
{
    /// <summary>What an Envoy sidecar of client-1 would send (written from Envoy's public accesslog.proto, in its JSON mapping).</summary>
    private static StreamAccessLogsMessage EnvoyEntries(string nodeId, string clientIp) => JsonParser.Default.Parse<StreamAccessLogsMessage>($$"""
        {
          "identifier": { "node": { "id": "{{nodeId}}" }, "logName": "envoy" },
          "httpLogs": { "logEntry": [
            { "commonProperties": { "downstreamRemoteAddress": { "socketAddress": { "address": "{{clientIp}}", "portValue": 41000 } },
                                    "startTime": "{{DateTime.UtcNow:O}}", "duration": "0.020s",
                                    "upstreamCluster": "outbound|80||echo.default.svc.cluster.local" },
              "request": { "requestMethod": "GET", "path": "/", "requestId": "als-ok" },
              "response": { "responseCode": 200 } },
            { "commonProperties": { "downstreamRemoteAddress": { "socketAddress": { "address": "{{clientIp}}", "portValue": 41001 } },
                                    "startTime": "{{DateTime.UtcNow:O}}", "duration": "0.001s",
                                    "upstreamCluster": "outbound|80||echo.default.svc.cluster.local",
                                    "responseFlags": { "noHealthyUpstream": true } },
              "request": { "requestMethod": "GET", "path": "/", "requestId": "als-uh" },
              "response": { "responseCode": 503 } }
          ] }
        }
        """);

    private static GrpcChannel AlsChannel(TestMesh mesh) => GrpcChannel.ForAddress($"https://{mesh.ControlAddress}:15012", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                // Stands in for an Envoy configured with the mesh root; the server's certificate is not under test here.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        },
    });

    private static async Task StreamAsync(GrpcChannel channel, string? token, StreamAccessLogsMessage message)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", $"Bearer {token}");
        }

        using var call = new AccessLogService.AccessLogServiceClient(channel).StreamAccessLogs(headers);
        try
        {
            await call.RequestStream.WriteAsync(message);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server may refuse before reading; its status is in the response.
        }

        await call.ResponseAsync;
    }

    [Fact]
    public async Task An_envoy_streaming_als_with_a_join_token_feeds_the_topology_and_explain()
    {
        await using var mesh = new TestMesh();
        var client = mesh.Block.Host(11);
        mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo", "default", 80, 8080, "echo") +
            Yaml.Workload("echo-1", "default", "node-1", mesh.Block.Host(10), "echo", "echo") +
            Yaml.Workload("client-1", "default", "node-1", client, "client", "client"));
        await mesh.StartControlAsync();
        using var channel = AlsChannel(mesh);

        await StreamAsync(channel, mesh.TokenFor("node-1"), EnvoyEntries("node-1", client.ToString()));

        JsonObject? edge = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            var topology = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/topology?window=1m"));
            edge = topology["edges"]!.AsArray().OfType<JsonObject>().FirstOrDefault(e => e["target"]!.GetValue<string>() == "service:default/echo");
            return edge is not null;
        }, TimeSpan.FromSeconds(5), "the Envoy entries to reach the topology");
        Assert.Equal(("workload:default/client-1", "http", 2, 1), (edge!["source"]!.GetValue<string>(), edge["protocol"]!.GetValue<string>(),
            edge["requests"]!.GetValue<int>(), edge["errors"]!.GetValue<int>()));
        Assert.Equal("als-uh", edge["lastError"]!["requestId"]!.GetValue<string>());

        var explanation = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/explain?requestId=als-uh"));
        Assert.Equal("failing", explanation["verdict"]!.GetValue<string>());
        Assert.Contains("has no healthy endpoint", explanation["cause"]!.GetValue<string>());

        var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => StreamAsync(channel, null, EnvoyEntries("node-1", client.ToString())));
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        var impostor = await Assert.ThrowsAsync<RpcException>(() => StreamAsync(channel, mesh.TokenFor("node-1"), EnvoyEntries("node-2", client.ToString())));
        Assert.Equal(StatusCode.PermissionDenied, impostor.StatusCode);
        var bad = await mesh.Http.GetAsync(new Uri(mesh.Api, "api/v1/topology?window=7d"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_mesh_wide_telemetry_resource_switches_proxies_to_json_lines_and_records_keep_streaming()
    {
        await using var mesh = new TestMesh();
        var (node, _, client) = await mesh.StartEchoAndClientAsync(upstreamPort: 9001);
        var (code, output) = await Curl.RunAsync($"http://{client}:9001/text");
        Assert.True(code == 0, output);
        await TestMesh.EventuallyAsync(() => Task.FromResult(mesh.Logs.Contains("\"- - -\" 0 - - ", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "a text access log line");

        mesh.WriteConfig("telemetry.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Telemetry
            metadata:
              name: mesh-default
              namespace: skein-system
            spec:
              accessLogging:
              - format: JSON
            """);
        await TestMesh.EventuallyAsync(async () =>
        {
            var dump = await mesh.ConfigDumpAsync(node);
            return dump.ToJsonString().Contains("skein.v1alpha1.Telemetry", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "the Telemetry resource to reach the proxy");

        await TestMesh.EventuallyAsync(async () =>
        {
            var (exit, _) = await Curl.RunAsync($"http://{client}:9001/json");
            return exit == 0 && mesh.Logs.Contains("\"connection_security_policy\":\"mutual_tls\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "a JSON access log line after the Telemetry change");

        // Records still stream to the control plane whatever the line format.
        await TestMesh.EventuallyAsync(async () =>
        {
            var topology = await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/topology?window=1m"));
            return topology["edges"]!.AsArray().Any(e => e!["source"]!.GetValue<string>() == "workload:default/client-1" && e["target"]!.GetValue<string>() == "service:default/echo");
        }, TimeSpan.FromSeconds(10), "the client -> echo edge in the topology");
    }
}
