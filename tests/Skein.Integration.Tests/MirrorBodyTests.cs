using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>A gateway route that mirrors to a backend recording what it receives (the echo sample does not report bodies).</summary>
public sealed class MirrorMesh : IAsyncLifetime
{
    public TestMesh Mesh { get; } = new();

    public IPAddress GatewayAddress => Mesh.Block.Host(20);

    /// <summary>What the mirror backend received: method, path, content type and body.</summary>
    public ConcurrentQueue<(string Method, string Path, string? ContentType, byte[] Body)> Mirrored { get; } = new();

    private WebApplication? _recorder;

    public async Task InitializeAsync()
    {
        Mesh.WriteConfig("mesh.yaml",
            Yaml.Service("echo-v1", "default", 80, 8080, "v1") +
            Yaml.Workload("echo-v1-1", "default", "node-1", Mesh.Block.Host(10), "v1", "echo") +
            Yaml.Service("recorder", "default", 80, 8080, "recorder") +
            Yaml.Workload("recorder-1", "default", "node-1", Mesh.Block.Host(11), "recorder", "echo"));
        Mesh.WriteConfig("gateway.yaml", $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              gatewayClassName: skein
              addresses: [{type: IPAddress, value: "{{GatewayAddress}}"}]
              listeners: [{name: http, port: 8080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mirrored, namespace: default}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: recorder, port: 80}
                backendRefs: [{name: echo-v1, port: 80}]
            """);
        _recorder = await StartRecorderAsync(new IPEndPoint(Mesh.Block.Host(11), 8080));
        await Mesh.StartEchoAsync("echo-v1-1", new IPEndPoint(Mesh.Block.Host(10), 8080));
        await Mesh.StartGatewayPathAsync(Mesh.Block.Host(2), Mesh.Block.Host(3));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Mesh.WaitForRouteAsync(client, Url("/ready"), "the gateway to route /ready");
    }

    public Uri Url(string path) => new($"http://{GatewayAddress}:8080{path}");

    public async Task DisposeAsync()
    {
        if (_recorder is not null)
        {
            await _recorder.DisposeAsync();
        }

        await Mesh.DisposeAsync();
    }

    private Task<WebApplication> StartRecorderAsync(IPEndPoint endPoint)
    {
        return InProcessServer.StartAsync(endPoint, app =>
        {
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                Mirrored.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            });
        });
    }
}

public sealed class MirrorBodyTests(MirrorMesh fixture) : IClassFixture<MirrorMesh>
{
    private async Task<(string Method, string Path, string? ContentType, byte[] Body)> MirroredAsync(string path)
    {
        (string, string, string?, byte[]) found = default;
        await TestMesh.EventuallyAsync(() =>
        {
            var match = fixture.Mirrored.Where(m => m.Path == path).ToList();
            if (match.Count > 0)
            {
                found = match[0];
            }

            return Task.FromResult(match.Count > 0);
        }, TimeSpan.FromSeconds(10), $"the mirror to receive {path}");
        return found;
    }

    [Fact]
    public async Task A_posted_body_reaches_the_backend_and_the_mirror()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var json = "{\"order\": 42, \"items\": [\"" + new string('x', 40_000) + "\"]}";

        using var response = await client.PostAsync(fixture.Url("/orders"), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (method, _, contentType, body) = await MirroredAsync("/orders");
        Assert.Equal("POST", method);
        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal(json, Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task A_chunked_body_is_mirrored_too()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("chunk-", 5000)));
        using var content = new StreamContent(new MemoryStream(payload));
        using var request = new HttpRequestMessage(HttpMethod.Put, fixture.Url("/chunked")) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (method, _, _, body) = await MirroredAsync("/chunked");
        Assert.Equal("PUT", method);
        Assert.Equal(payload, body);
    }

    [Fact]
    public async Task A_body_above_the_cap_is_forwarded_but_not_mirrored()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var large = new byte[Skein.Proxy.L7.Forwarding.MirrorBody.MaxBytes + 1];

        using var response = await client.PostAsync(fixture.Url("/large"), new ByteArrayContent(large));
        using var small = await client.PostAsync(fixture.Url("/after-large"), new StringContent("small"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("small", Encoding.UTF8.GetString((await MirroredAsync("/after-large")).Body));
        Assert.DoesNotContain(fixture.Mirrored, m => m.Path == "/large");
    }
}
