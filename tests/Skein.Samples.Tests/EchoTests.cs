using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Skein.Samples.Tests;

/// <summary>Starts one echo server shared by <see cref="EchoTests"/>.</summary>
public sealed class EchoFixture : IAsyncLifetime
{
    /// <summary>The client the tests use.</summary>
    public HttpClient Http { get; } = TestHttp.NewClient();

    /// <summary>The running echo server.</summary>
    public SampleProcess Echo { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Echo = SampleProcess.Start("Skein.Samples.Echo", [], new Dictionary<string, string>
        {
            ["NAMESPACE"] = "gateway-conformance-infra",
            ["POD_NAME"] = "infra-backend-v1-abc12",
        });
        await Echo.WaitHealthyAsync(Http);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Echo?.Dispose();
        Http.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The echo server honours the Gateway API conformance echo contract.</summary>
public sealed class EchoTests(EchoFixture fixture) : IClassFixture<EchoFixture>
{
    private HttpClient Http => fixture.Http;

    private string BaseUrl => fixture.Echo.BaseUrl;

    [Fact]
    public async Task ReplyDescribesTheRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/some/path?x=1&y=2");
        request.Headers.Add("x-custom-header", "a");
        using var response = await Http.SendAsync(request);
        var body = await TestHttp.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("/some/path?x=1&y=2", (string?)body["path"]);
        Assert.Equal(new Uri(BaseUrl).Authority, (string?)body["host"]);
        Assert.Equal("GET", (string?)body["method"]);
        Assert.Equal("HTTP/1.1", (string?)body["proto"]);
        Assert.Equal("gateway-conformance-infra", (string?)body["namespace"]);
        Assert.Equal("infra-backend-v1-abc12", (string?)body["pod"]);
        Assert.False(body.ContainsKey("tls"), "a plaintext request has no tls field");

        var headers = body["headers"]!.AsObject();
        // Names come back canonicalised, as Go's echo-basic reports them.
        Assert.Equal(new[] { "a" }, Values(headers["X-Custom-Header"]));
        Assert.False(headers.ContainsKey("Host"), "Host is reported as \"host\", not as a header");
    }

    [Fact]
    public async Task EchoSetHeaderSetsResponseHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{BaseUrl}/");
        request.Headers.Add("X-Echo-Set-Header", "X-Foo: bar,X-Baz:qux");
        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bar", Assert.Single(response.Headers.GetValues("X-Foo")));
        Assert.Equal("qux", Assert.Single(response.Headers.GetValues("X-Baz")));
        Assert.Equal("POST", (string?)(await TestHttp.ReadJsonAsync(response))["method"]);
    }

    [Fact]
    public async Task StatusPathRepliesWithThatStatus()
    {
        var (status, body) = await Http.GetJsonAsync($"{BaseUrl}/status/503");

        Assert.Equal(503, status);
        // The body still names the pod, so retry and outlier tests can tell backends apart.
        Assert.Equal("infra-backend-v1-abc12", (string?)body["pod"]);
    }

    [Fact]
    public async Task H2cPriorKnowledgeIsServedOnTheSamePort()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/h2")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await Http.SendAsync(request);
        var body = await TestHttp.ReadJsonAsync(response);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2.0", (string?)body["proto"]);
        Assert.Equal("/h2", (string?)body["path"]);
        Assert.Equal(new Uri(BaseUrl).Authority, (string?)body["host"]);
    }

    [Fact]
    public async Task DelayQueryDelaysTheReply()
    {
        var clock = Stopwatch.StartNew();
        var (status, _) = await Http.GetJsonAsync($"{BaseUrl}/slow?delay=300ms");

        Assert.Equal(200, status);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {clock.Elapsed}");
        Assert.Equal(400, (await Http.GetJsonAsync($"{BaseUrl}/slow?delay=soon")).Status);
    }

    private static string[] Values(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
}

/// <summary>The echo's --request-log, which the conformance runner reads to check mirrored requests.</summary>
public sealed class EchoRequestLogTests
{
    [Fact]
    public async Task EachRequestIsLoggedAsOneJsonLine()
    {
        using var http = TestHttp.NewClient();
        using var echo = SampleProcess.Start("Skein.Samples.Echo", ["--request-log", "stdout"]);
        await echo.WaitHealthyAsync(http);
        using var response = await http.GetAsync($"{echo.BaseUrl}/mirror?x=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!echo.Output.Contains("echo-request ", StringComparison.Ordinal) || !echo.Output.Contains("/mirror?x=1", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no request line for /mirror?x=1:\n{echo.Output}");
            await Task.Delay(50);
        }

        var line = echo.Output.Split('\n').Select(l => l.Trim()).First(l => l.Contains("/mirror?x=1", StringComparison.Ordinal));
        var json = JsonNode.Parse(line[(line.IndexOf("echo-request ", StringComparison.Ordinal) + "echo-request ".Length)..])!;
        Assert.Equal("GET", json["method"]!.GetValue<string>());
        Assert.Equal("/mirror?x=1", json["path"]!.GetValue<string>());
    }

    [Fact]
    public void AnUnknownRequestLogValueIsAUsageError()
    {
        using var echo = SampleProcess.Start("Skein.Samples.Echo", ["--request-log", "file"]);
        Assert.True(echo.WaitForExit(TimeSpan.FromSeconds(30)));
        // The asynchronous output readers may still be draining when the exit is seen.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!echo.Output.Contains("--request-log must be stdout or off", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.Contains("--request-log must be stdout or off", echo.Output);
    }
}
