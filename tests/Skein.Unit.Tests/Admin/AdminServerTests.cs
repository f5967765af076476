using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Proxy.Admin;

namespace Skein.Unit.Tests.Admin;

/// <summary>The admin server over real loopback sockets: routing per port, keep-alive, and bad input answered and closed.</summary>
public sealed class AdminServerTests : IAsyncLifetime
{
    private AdminServer _server = null!;
    private IPEndPoint _admin = null!;
    private IPEndPoint _metrics = null!;

    public async Task InitializeAsync() => (_server, _admin, _metrics) = await StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<(AdminServer, IPEndPoint, IPEndPoint)> StartAsync(TimeSpan? idle = null, TimeSpan? request = null)
    {
        var admin = new Dictionary<string, Func<string, AdminResponse>>(StringComparer.OrdinalIgnoreCase)
        {
            ["/ready"] = _ => AdminResponse.Text("LIVE\n"),
            ["/stats"] = query => AdminResponse.Text($"format={AdminRequestParser.QueryValue(query, "format") ?? "(none)"}\n"),
            ["/fails"] = _ => throw new InvalidOperationException("boom"),
        };
        var metrics = new Dictionary<string, Func<string, AdminResponse>>(StringComparer.OrdinalIgnoreCase)
        {
            ["/metrics"] = _ => new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8", "up 1\n"),
        };
        var server = new AdminServer([("admin", new IPEndPoint(IPAddress.Loopback, 0), admin), ("metrics", new IPEndPoint(IPAddress.Loopback, 0), metrics)], NullLogger.Instance)
        {
            IdleTimeout = idle ?? TimeSpan.FromMinutes(2),
            RequestTimeout = request ?? TimeSpan.FromSeconds(10),
        };
        await server.StartAsync(CancellationToken.None);
        return (server, server.EndPoints[0], server.EndPoints[1]);
    }

    [Fact]
    public async Task A_get_is_answered_with_content_length_and_type()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("LIVE\n", response.Body);
        Assert.Equal("5", response.Headers["content-length"]);
        Assert.Equal("text/plain; charset=utf-8", response.Headers["content-type"]);
        Assert.False(response.Headers.ContainsKey("connection"));
    }

    [Fact]
    public async Task Two_requests_on_one_connection_are_both_answered_and_so_are_pipelined_ones()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("GET /stats?format=json HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("format=json\n", (await client.ReadResponseAsync()).Body);

        // Two requests in one segment: the second is served from the bytes left over after the first.
        await client.SendAsync("GET /stats?format=a%2Bb+c HTTP/1.1\r\nHost: x\r\n\r\nGET /READY/ HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("format=a+b c\n", (await client.ReadResponseAsync()).Body);
        Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task A_request_split_across_segments_is_assembled()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /rea");
        await Task.Delay(50);
        await client.SendAsync("dy HTTP/1.1\r\nHo");
        await Task.Delay(50);
        await client.SendAsync("st: x\r\n\r\n");
        Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task An_unknown_path_is_404_and_the_connection_stays_open()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(404, response.Status);
        Assert.Equal("0", response.Headers["content-length"]);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("get")]
    public async Task Another_method_on_a_known_path_is_405_with_allow(string method)
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync($"{method} /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Headers["allow"]);
    }

    [Fact]
    public async Task A_request_with_a_body_is_answered_and_the_connection_closed()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("POST /ready HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        var response = await client.ReadResponseAsync();
        Assert.Equal(405, response.Status);
        Assert.Equal("close", response.Headers["connection"]);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Head_sends_the_headers_of_get_without_the_body()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("HEAD /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync(head: true);
        Assert.Equal(200, response.Status);
        Assert.Equal("5", response.Headers["content-length"]);

        // Nothing but the next response follows: the body of the HEAD was not sent.
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task Each_port_serves_only_its_own_paths()
    {
        await using (var client = await RawClient.ConnectAsync(_metrics))
        {
            await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(404, (await client.ReadResponseAsync()).Status);
            await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            var metrics = await client.ReadResponseAsync();
            Assert.Equal(200, metrics.Status);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Headers["content-type"]);
        }

        await using (var client = await RawClient.ConnectAsync(_admin))
        {
            await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(404, (await client.ReadResponseAsync()).Status);
        }
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET /ready\r\n\r\n")]
    [InlineData("GET  HTTP/1.1\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\nHost: x\n\n\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\nHost: x\n\n")]
    [InlineData("GET /ready HTTP/1.1\r\nHost : x\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\r\nNo colon here\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("GET /ready HTTP/1.1\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("GET ready HTTP/1.1\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")]
    public async Task A_malformed_request_is_400_and_the_connection_closed(string request)
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.Equal("close", response.Headers["connection"]);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Another_http_version_is_505()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /ready HTTP/2.0\r\n\r\n");
        Assert.Equal(505, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Oversized_headers_are_431_and_the_connection_closed()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync($"GET /ready HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', AdminServer.MaxHeadBytes * 2)}\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(431, response.Status);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Connection_close_is_honoured_and_http_10_closes_unless_kept_alive()
    {
        await using (var client = await RawClient.ConnectAsync(_admin))
        {
            await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal("LIVE\n", response.Body);
            Assert.Equal("close", response.Headers["connection"]);
            Assert.True(await client.ClosedAsync());
        }

        await using (var client = await RawClient.ConnectAsync(_admin))
        {
            await client.SendAsync("GET /ready HTTP/1.0\r\n\r\n");
            Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
            Assert.True(await client.ClosedAsync());
        }

        await using (var client = await RawClient.ConnectAsync(_admin))
        {
            await client.SendAsync("GET /ready HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            Assert.Equal("keep-alive", (await client.ReadResponseAsync()).Headers["connection"]);
            await client.SendAsync("GET /ready HTTP/1.0\r\n\r\n");
            Assert.Equal("LIVE\n", (await client.ReadResponseAsync()).Body);
            Assert.True(await client.ClosedAsync());
        }
    }

    [Fact]
    public async Task A_failing_endpoint_is_500_and_the_server_keeps_serving()
    {
        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /fails HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task A_client_leaving_mid_request_does_not_disturb_the_others()
    {
        await using (var leaving = await RawClient.ConnectAsync(_admin))
        {
            await leaving.SendAsync("GET /ready HTTP/1.1\r\nHo");
        }

        await using var client = await RawClient.ConnectAsync(_admin);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task Idle_and_stalled_connections_are_closed()
    {
        var (server, admin, _) = await StartAsync(idle: TimeSpan.FromMilliseconds(200), request: TimeSpan.FromMilliseconds(200));
        await using (server)
        {
            await using (var idle = await RawClient.ConnectAsync(admin))
            {
                Assert.True(await idle.ClosedAsync());
            }

            await using var stalled = await RawClient.ConnectAsync(admin);
            await stalled.SendAsync("GET /ready HTTP/1.1\r\n");
            Assert.True(await stalled.ClosedAsync());
        }
    }

    [Fact]
    public async Task Stopping_closes_open_connections()
    {
        var (server, admin, _) = await StartAsync();
        await using var client = await RawClient.ConnectAsync(admin);
        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        await server.StopAsync(CancellationToken.None);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task A_taken_port_fails_start_with_an_io_exception_naming_the_address()
    {
        var taken = new AdminServer([("admin", _admin, new Dictionary<string, Func<string, AdminResponse>>())], NullLogger.Instance);
        var e = await Assert.ThrowsAsync<IOException>(() => taken.StartAsync(CancellationToken.None));
        Assert.IsType<SocketException>(e.InnerException);
        Assert.Contains($"http://{_admin}", e.Message, StringComparison.Ordinal);
        await taken.DisposeAsync();
    }

    [Fact]
    public async Task The_ports_can_be_bound_again_right_after_a_stop_that_closed_connections()
    {
        var (server, admin, _) = await StartAsync();
        await using (var client = await RawClient.ConnectAsync(admin))
        {
            // The server closes first, so its side of the connection lingers in TIME_WAIT on the port.
            await client.SendAsync("GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
            Assert.True(await client.ClosedAsync());
        }

        await server.StopAsync(CancellationToken.None);
        var again = new AdminServer([("admin", admin, new Dictionary<string, Func<string, AdminResponse>>())], NullLogger.Instance);
        await again.StartAsync(CancellationToken.None);
        await again.DisposeAsync();
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n", "/a", "", false)]
    [InlineData("GET /a%5Fb?x=1 HTTP/1.1\r\n\r\n", "/a_b", "x=1", true)]
    [InlineData("GET http://127.0.0.1:15000/ready?format=json HTTP/1.1\r\n\r\n", "/ready", "format=json", true)]
    [InlineData("GET /a HTTP/1.0\r\nconnection: KEEP-ALIVE\r\n\r\n", "/a", "", true)]
    [InlineData("GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "/a", "", false)]
    public void The_parser_reads_path_query_and_keep_alive(string head, string path, string query, bool keepAlive)
    {
        var bytes = Encoding.ASCII.GetBytes(head + "GET /next");
        Assert.Equal(AdminParseResult.Complete, AdminRequestParser.Parse(bytes, AdminServer.MaxHeadBytes, out var request, out var consumed));
        Assert.Equal(head.Length, consumed);
        Assert.Equal(path, request.Path);
        Assert.Equal(query, request.Query);
        Assert.Equal(keepAlive, request.KeepAlive);
    }

    [Fact]
    public void The_parser_waits_for_the_end_of_the_head_within_the_limit()
    {
        var partial = Encoding.ASCII.GetBytes("GET /ready HTTP/1.1\r\nHost: x\r\n");
        Assert.Equal(AdminParseResult.Incomplete, AdminRequestParser.Parse(partial, AdminServer.MaxHeadBytes, out _, out _));
        Assert.Equal(AdminParseResult.TooLarge, AdminRequestParser.Parse(partial, partial.Length, out _, out _));
    }

    /// <summary>A client speaking raw bytes, to send what HttpClient never would.</summary>
    private sealed class RawClient : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly List<byte> _pending = [];

        private RawClient(Socket socket) => _socket = socket;

        public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint);
            return new RawClient(socket);
        }

        public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.Latin1.GetBytes(text));

        public async Task<Response> ReadResponseAsync(bool head = false)
        {
            int end;
            while ((end = IndexOfEndOfHead()) < 0)
            {
                Assert.True(await ReceiveAsync(), "the connection closed before a response");
            }

            var lines = Encoding.ASCII.GetString(_pending.GetRange(0, end).ToArray()).Split("\r\n");
            _pending.RemoveRange(0, end + 4);
            var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = lines.Skip(1).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0].ToLowerInvariant(), p => p[1]);
            var length = head ? 0 : int.Parse(headers["content-length"], System.Globalization.CultureInfo.InvariantCulture);
            while (_pending.Count < length)
            {
                Assert.True(await ReceiveAsync(), "the connection closed before the body ended");
            }

            var body = Encoding.UTF8.GetString(_pending.GetRange(0, length).ToArray());
            _pending.RemoveRange(0, length);
            return new Response(status, headers, body);
        }

        /// <summary>Whether the server closed the connection (end of stream or reset) with nothing more sent.</summary>
        public async Task<bool> ClosedAsync()
        {
            try
            {
                return !await ReceiveAsync() && _pending.Count == 0;
            }
            catch (SocketException)
            {
                return true;
            }
        }

        private async Task<bool> ReceiveAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var buffer = new byte[4096];
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            _pending.AddRange(buffer.AsSpan(0, read));
            return read > 0;
        }

        private int IndexOfEndOfHead()
        {
            for (var i = 0; i + 3 < _pending.Count; i++)
            {
                if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n')
                {
                    return i;
                }
            }

            return -1;
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed record Response(int Status, Dictionary<string, string> Headers, string Body);
}
