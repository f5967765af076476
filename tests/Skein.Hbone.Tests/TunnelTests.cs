using System.Security.Cryptography;
using System.Text;
using Skein.Proxy.Hbone;
using Skein.Proxy.Outbound;

namespace Skein.Hbone.Tests;

/// <summary>HboneClientConnection against HboneServerConnection over loopback TCP (h2c) and mutual TLS 1.3.</summary>
public class TunnelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tunnel_echoes_bytes_both_ways(bool tls)
    {
        HboneRequest? seen = null;
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            seen = request;
            await HboneHarness.EchoHandler(request);
        }, tls);

        await using var stream = await h.Client.OpenTunnelAsync("10.1.2.3:8080",
            [new("forwarded", "for=10.0.0.9"), new("baggage", "k8s.namespace.name=default"), new("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]);
        Assert.Equal(200, int.Parse(stream.ResponseHeaders.Single(h => h.Key == ":status").Value));

        for (var i = 0; i < 5; i++)
        {
            var message = Encoding.ASCII.GetBytes($"hello {i} over HBONE");
            await stream.WriteAsync(message);
            var echoed = new byte[message.Length];
            await stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(Timeout);
            Assert.Equal(message, echoed);
        }
        stream.CloseWrite();
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout));

        Assert.NotNull(seen);
        Assert.Equal("CONNECT", seen!.Method);
        Assert.Equal("10.1.2.3:8080", seen.Authority);
        Assert.Equal("for=10.0.0.9", seen.GetHeader("forwarded"));
        Assert.Equal("k8s.namespace.name=default", seen.GetHeader("baggage"));
        Assert.NotNull(seen.GetHeader("traceparent"));
        // Classic CONNECT: only :method and :authority as pseudo-headers.
        Assert.Equal([":method", ":authority"], seen.Headers.Where(x => x.Key.StartsWith(':')).Select(x => x.Key));
        if (tls)
        {
            Assert.NotNull(h.ServerTls!.RemoteCertificate);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Half_close_lets_each_side_finish_independently(bool tls)
    {
        var serverSawEnd = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            using var stream = await request.AcceptAsync();
            // Read the whole request first (client half-closed), then answer and half-close.
            var received = await HboneHarness.ReadToEndAsync(stream);
            serverSawEnd.SetResult(received);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("reply after EOF:" + received.Length));
            stream.CloseWrite();
        }, tls);

        await using var stream = await h.Client.OpenTunnelAsync("svc:80");
        await stream.WriteAsync(new byte[1000]);
        stream.CloseWrite();
        Assert.Throws<InvalidOperationException>(() => stream.WriteAsync(new byte[1]).AsTask().GetAwaiter().GetResult());

        Assert.Equal(1000, (await serverSawEnd.Task.WaitAsync(Timeout)).Length);
        var reply = await HboneHarness.ReadToEndAsync(stream).WaitAsync(Timeout);
        Assert.Equal("reply after EOF:1000", Encoding.ASCII.GetString(reply));

        // Both directions ended: the stream leaves the table on both sides.
        await WaitUntil(() => h.Client.ActiveStreams == 0 && h.Server.ActiveStreams == 0);
    }

    [Fact]
    public async Task BidirectionalCopy_waits_for_data_without_a_buffer_and_still_copies_every_byte()
    {
        // Small writes each end in a zero-byte wait (no buffer held while idle); a bulk write is read in full buffers.
        var payload = new byte[200_000];
        Random.Shared.NextBytes(payload);
        var from = new ChunkedSource([Encoding.ASCII.GetBytes("ping"), Encoding.ASCII.GetBytes("pong"), payload]);
        var to = new ChunkedSource([]);
        var (sent, received) = await BidirectionalCopy.RunAsync(from, to, default, default, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(8 + payload.Length, sent);
        Assert.Equal(0, received);
        Assert.Equal([.. Encoding.ASCII.GetBytes("pingpong"), .. payload], to.Written.ToArray());
        Assert.True(from.ZeroByteReads >= 3, $"expected a zero-byte wait before each burst, saw {from.ZeroByteReads}");
        Assert.True(from.ZeroByteReads < 10, $"a bulk transfer should keep its buffer between full reads, saw {from.ZeroByteReads} zero-byte reads");
    }

    /// <summary>A stream that yields its chunks one read at a time, counts zero-byte (wait-only) reads and keeps what is written to it.</summary>
    private sealed class ChunkedSource(byte[][] chunks) : Stream
    {
        private readonly Queue<byte[]> _chunks = new(chunks);
        private byte[] _current = [];
        private int _offset;

        public int ZeroByteReads { get; private set; }

        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0)
            {
                ZeroByteReads++;
                return ValueTask.FromResult(0);
            }

            if (_offset == _current.Length)
            {
                if (!_chunks.TryDequeue(out var next))
                {
                    return ValueTask.FromResult(0);
                }

                (_current, _offset) = (next, 0);
            }

            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(buffer.Span);
            _offset += n;
            return ValueTask.FromResult(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().Result;

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Works_with_BidirectionalCopy_half_close()
    {
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler, tls: true);
        await using var tunnel = await h.Client.OpenTunnelAsync("svc:80");
        Assert.IsAssignableFrom<IHalfClosable>(tunnel);

        // A local socket pair stands in for the captured application connection.
        var (app, proxySide) = await HboneHarness.ConnectAsync(tls: false);
        var copy = BidirectionalCopy.RunAsync(proxySide, tunnel, default, default, CancellationToken.None);
        var payload = RandomNumberGenerator.GetBytes(300_000);
        await app.WriteAsync(payload);
        ((System.Net.Sockets.NetworkStream)app).Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var echoed = await HboneHarness.ReadToEndAsync(app).WaitAsync(Timeout);
        Assert.Equal(payload, echoed);
        var (sent, received) = await copy.WaitAsync(Timeout);
        Assert.Equal(payload.Length, sent);
        Assert.Equal(payload.Length, received);
        app.Dispose();
        proxySide.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hundred_concurrent_streams_share_one_connection(bool tls)
    {
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler, tls);
        var streams = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => h.Client.OpenTunnelAsync($"10.0.0.{i}:80")));
        Assert.Equal(100, h.Client.ActiveStreams);
        Assert.False(h.Client.CanOpenStream); // the local cap of 100
        Assert.Equal(100, streams.Select(s => s.StreamId).Distinct().Count());

        await Task.WhenAll(streams.Select(async (stream, i) =>
        {
            var payload = new byte[10_000 + i * 1000];
            new Random(i).NextBytes(payload);
            var writer = Task.Run(async () =>
            {
                await stream.WriteAsync(payload);
                stream.CloseWrite();
            });
            var echoed = await HboneHarness.ReadToEndAsync(stream);
            await writer;
            Assert.Equal(payload, echoed);
            await stream.DisposeAsync();
        })).WaitAsync(Timeout);

        await WaitUntil(() => h.Client.ActiveStreams == 0 && h.Server.ActiveStreams == 0);
        Assert.True(h.Client.CanOpenStream);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sixty_four_MiB_round_trip_keeps_every_byte(bool tls)
    {
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler, tls);
        await using var stream = await h.Client.OpenTunnelAsync("bulk:9000");
        await AssertBulkEchoAsync(stream, 64 * 1024 * 1024);
    }

    [Fact]
    public async Task Tiny_windows_and_frames_still_deliver_everything()
    {
        // Windows far below the data size force the writers to wait for WINDOW_UPDATE over and over.
        var small = new HboneConnectionOptions
        {
            InitialStreamWindowSize = 16 * 1024,
            ConnectionWindowSize = 65_535,
            MaxFrameSize = 16_384,
        };
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler, tls: false, small, small);
        var streams = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => h.Client.OpenTunnelAsync("flow:1")));
        await Task.WhenAll(streams.Select(s => AssertBulkEchoAsync(s, 4 * 1024 * 1024)));
        foreach (var s in streams)
        {
            await s.DisposeAsync();
        }
    }

    private static async Task AssertBulkEchoAsync(HboneStream stream, int total)
    {
        var chunk = new byte[100_000];
        new Random(42).NextBytes(chunk);
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = Task.Run(async () =>
        {
            var remaining = total;
            while (remaining > 0)
            {
                var n = Math.Min(remaining, chunk.Length);
                // Vary the bytes per write so reordering would change the hash.
                chunk[0] = (byte)(remaining >> 8);
                sentHash.AppendData(chunk, 0, n);
                await stream.WriteAsync(chunk.AsMemory(0, n));
                remaining -= n;
            }
            stream.CloseWrite();
        });

        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout)) > 0)
        {
            receivedHash.AppendData(buffer, 0, read);
            received += read;
        }
        await writer.WaitAsync(Timeout);
        Assert.Equal(total, received);
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
    }

    [Theory]
    [InlineData(400, "bad authority")]
    [InlineData(401, "denied by policy")]
    [InlineData(503, null)]
    public async Task Rejections_reach_the_client_with_their_status(int status, string? reason)
    {
        await using var h = await HboneHarness.StartAsync(request => request.RejectAsync(status, reason));
        var e = await Assert.ThrowsAsync<HboneConnectException>(() => h.Client.OpenTunnelAsync("10.0.0.1:80"));
        Assert.Equal(status, e.Status);
        Assert.Equal(reason, e.Reason);
        await WaitUntil(() => h.Client.ActiveStreams == 0 && h.Server.ActiveStreams == 0);

        // The connection stays usable after a rejection.
        Assert.True(h.Client.CanOpenStream);
        await Assert.ThrowsAsync<HboneConnectException>(() => h.Client.OpenTunnelAsync("10.0.0.1:80"));
    }

    [Fact]
    public async Task Peer_reset_surfaces_as_IOException_on_both_read_and_write()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request => accepted.SetResult(await request.AcceptAsync()));
        await using var stream = await h.Client.OpenTunnelAsync("10.0.0.1:80");
        var serverStream = await accepted.Task;

        var pendingRead = stream.ReadAsync(new byte[10]).AsTask();
        serverStream.Reset(Http2ErrorCode.ConnectError);

        var e = await Assert.ThrowsAsync<HboneStreamResetException>(() => pendingRead.WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.ConnectError, e.Code);
        await Assert.ThrowsAsync<HboneStreamResetException>(() => stream.WriteAsync(new byte[10]).AsTask());
        await Assert.ThrowsAnyAsync<IOException>(() => serverStream.ReadAsync(new byte[10]).AsTask());
        await WaitUntil(() => h.Client.ActiveStreams == 0 && h.Server.ActiveStreams == 0);

        // Other streams are unaffected.
        Assert.True(h.Client.CanOpenStream);
    }

    [Fact]
    public async Task Reset_wakes_a_writer_blocked_on_flow_control()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var small = new HboneConnectionOptions { InitialStreamWindowSize = 16 * 1024 };
        await using var h = await HboneHarness.StartAsync(async request => accepted.SetResult(await request.AcceptAsync()), serverOptions: small);
        await using var stream = await h.Client.OpenTunnelAsync("10.0.0.1:80");
        var serverStream = await accepted.Task;

        // The server never reads, so this write parks once the 16 KiB window is spent.
        var write = stream.WriteAsync(new byte[1024 * 1024]).AsTask();
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        serverStream.Reset(Http2ErrorCode.ConnectError);
        var e = await Assert.ThrowsAsync<HboneStreamResetException>(() => write.WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.ConnectError, e.Code);
    }

    [Fact]
    public async Task Disposing_an_unfinished_stream_resets_it_with_cancel()
    {
        var serverRead = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            using var stream = await request.AcceptAsync();
            try
            {
                _ = await stream.ReadAsync(new byte[10]);
                serverRead.SetResult(null);
            }
            catch (Exception e)
            {
                serverRead.SetResult(e);
            }
        });
        var stream = await h.Client.OpenTunnelAsync("10.0.0.1:80");
        await stream.DisposeAsync();
        var error = Assert.IsType<HboneStreamResetException>(await serverRead.Task.WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.Cancel, error.Code);
    }

    [Fact]
    public async Task GoAway_drain_finishes_open_streams_and_refuses_new_ones()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            var stream = await request.AcceptAsync();
            accepted.TrySetResult(stream);
            await HboneHarness.EchoAsync(stream);
        }, tls: true);
        await using var stream = await h.Client.OpenTunnelAsync("10.0.0.1:80");
        await accepted.Task;

        var shutdown = h.Server.ShutdownAsync();
        await WaitUntil(() => h.Client.IsDraining);
        Assert.False(h.Client.CanOpenStream);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Client.OpenTunnelAsync("10.0.0.2:80"));
        Assert.False(shutdown.IsCompleted);

        // The open stream keeps working through the drain.
        var message = Encoding.ASCII.GetBytes("still flowing");
        await stream.WriteAsync(message);
        var echoed = new byte[message.Length];
        await stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(Timeout);
        Assert.Equal(message, echoed);

        stream.CloseWrite();
        Assert.Equal(0, await stream.ReadAsync(new byte[8]).AsTask().WaitAsync(Timeout));
        await shutdown.WaitAsync(Timeout);
        await h.Client.Completion.WaitAsync(Timeout);
        Assert.True(h.Server.IsClosed);
        Assert.Null(h.Server.Error);
        Assert.Equal(Http2ErrorCode.NoError, h.Client.PeerGoAwayCode);
    }

    [Fact]
    public async Task Client_shutdown_drains_its_own_streams()
    {
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler);
        await using var stream = await h.Client.OpenTunnelAsync("10.0.0.1:80");
        var shutdown = h.Client.ShutdownAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => h.Client.OpenTunnelAsync("10.0.0.2:80"));
        await stream.WriteAsync(new byte[100]);
        stream.CloseWrite();
        Assert.Equal(100, (await HboneHarness.ReadToEndAsync(stream).WaitAsync(Timeout)).Length);
        await shutdown.WaitAsync(Timeout);
        await h.ServerRun.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Peer_stream_limit_makes_the_client_wait_for_a_slot()
    {
        var releases = new List<TaskCompletionSource>();
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            var release = new TaskCompletionSource();
            lock (releases)
            {
                releases.Add(release);
            }
            using var stream = await request.AcceptAsync();
            await release.Task;
            stream.CloseWrite();
            await HboneHarness.ReadToEndAsync(stream);
        }, serverOptions: new HboneConnectionOptions { MaxConcurrentStreams = 2 });

        await using var a = await h.Client.OpenTunnelAsync("a:1");
        await using var b = await h.Client.OpenTunnelAsync("b:1");
        Assert.False(h.Client.CanOpenStream);
        var third = h.Client.OpenTunnelAsync("c:1");
        await Task.Delay(200);
        Assert.False(third.IsCompleted);

        // Finish a: its slot goes to the waiting open.
        lock (releases)
        {
            releases[0].SetResult();
        }
        a.CloseWrite();
        Assert.Empty(await HboneHarness.ReadToEndAsync(a).WaitAsync(Timeout));
        await using var c = await third.WaitAsync(Timeout);
        lock (releases)
        {
            foreach (var r in releases)
            {
                r.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Cancelling_an_open_resets_the_stream()
    {
        var handlerSawReset = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new TaskCompletionSource<HboneServerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            arrived.TrySetResult();
            // Answer only once the client's reset has arrived (the stream is gone), however late a loaded machine delivers it.
            var connection = await server.Task;
            await WaitUntil(() => connection.ActiveStreams == 0);
            await Assert.ThrowsAnyAsync<IOException>(() => request.AcceptAsync());
            handlerSawReset.SetResult();
        });
        server.SetResult(h.Server);

        // Cancelled while the server holds the request unanswered (not on a timer that could fire before it was sent).
        using var cts = new CancellationTokenSource();
        var open = h.Client.OpenTunnelAsync("slow:1", cancellationToken: cts.Token);
        await arrived.Task.WaitAsync(Timeout);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => open);
        await handlerSawReset.Task.WaitAsync(Timeout);
        Assert.Equal(0, h.Client.ActiveStreams);
    }

    [Fact]
    public async Task Ping_round_trips_and_keepalive_keeps_an_idle_connection()
    {
        var options = new HboneConnectionOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler, clientOptions: options);
        var rtt = await h.Client.PingAsync().WaitAsync(Timeout);
        Assert.True(rtt < TimeSpan.FromSeconds(5));
        await Task.Delay(600);
        Assert.False(h.Client.IsClosed);
        await using var stream = await h.Client.OpenTunnelAsync("a:1");
    }

    [Fact]
    public async Task Handler_that_throws_resets_only_its_stream()
    {
        await using var h = await HboneHarness.StartAsync(request =>
            request.Authority == "boom:1" ? throw new InvalidOperationException("handler bug") : HboneHarness.EchoHandler(request));
        var e = await Assert.ThrowsAsync<HboneStreamResetException>(() => h.Client.OpenTunnelAsync("boom:1"));
        Assert.Equal(Http2ErrorCode.InternalError, e.Code);
        await using var ok = await h.Client.OpenTunnelAsync("fine:1");
        Assert.False(h.Client.IsClosed);
    }

    [Fact]
    public async Task Data_that_ended_before_the_connection_closed_stays_readable()
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request =>
        {
            var stream = await request.AcceptAsync();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("complete response"));
            stream.CloseWrite();
            sent.SetResult();
        });
        await using var stream = await h.Client.OpenTunnelAsync("a:1");
        await sent.Task.WaitAsync(Timeout);
        // The server's half is complete; now the connection dies before the client read anything.
        await WaitUntil(() => stream.IsRemoteEnded);
        await h.Server.DisposeAsync();
        await h.Client.Completion.WaitAsync(Timeout);
        Assert.Equal("complete response", System.Text.Encoding.ASCII.GetString(await HboneHarness.ReadToEndAsync(stream).WaitAsync(Timeout)));
        await Assert.ThrowsAnyAsync<IOException>(() => stream.WriteAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task Abrupt_transport_loss_fails_streams_with_IOException()
    {
        await using var h = await HboneHarness.StartAsync(HboneHarness.EchoHandler);
        await using var stream = await h.Client.OpenTunnelAsync("a:1");
        var read = stream.ReadAsync(new byte[10]).AsTask();
        await h.Server.DisposeAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => read.WaitAsync(Timeout));
        await h.Client.Completion.WaitAsync(Timeout);
        Assert.True(h.Client.IsClosed);
        await Assert.ThrowsAnyAsync<IOException>(() => h.Client.OpenTunnelAsync("b:1"));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
