using System.Text;
using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>Hostile or broken peers: the codec answers with the RFC's error, closes cleanly and never throws.</summary>
public class MalformedInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts a server over loopback and returns a raw client speaking to it.</summary>
    private static async Task<(HboneServerConnection Server, Task Run, RawPeer Peer, List<HboneRequest> Requests)> StartServerAsync(HboneConnectionOptions? options = null, bool consume = true)
    {
        var (client, server) = await HboneHarness.ConnectAsync(tls: false);
        var connection = new HboneServerConnection(server, options);
        var requests = new List<HboneRequest>();
        var run = connection.RunAsync(async request =>
        {
            lock (requests)
            {
                requests.Add(request);
            }
            if (consume)
            {
                await HboneHarness.EchoHandler(request);
            }
            else
            {
                // Accept but never read, so no flow-control credit is ever returned.
                await request.AcceptAsync();
            }
        });
        return (connection, run, new RawPeer(client), requests);
    }

    private static async Task AssertClosedCleanly(HboneServerConnection server, Task run)
    {
        await run.WaitAsync(Timeout); // RunAsync returns normally: nothing escapes
        Assert.True(server.IsClosed);
    }

    [Fact]
    public async Task Garbage_preface_closes_with_protocol_error()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n"));
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.ProtocolError);
        await AssertClosedCleanly(server, run);
        Assert.NotNull(server.Error);
    }

    [Fact]
    public async Task Peer_that_closes_during_the_preface_is_handled()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await peer.WriteAsync(Encoding.ASCII.GetBytes("PRI * HT"));
        await peer.DisposeAsync();
        await AssertClosedCleanly(server, run);
    }

    [Fact]
    public async Task First_frame_must_be_settings()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WriteAsync([.. Http2Frames.ClientPreface, .. RawPeer.FrameBytes(Http2FrameType.Ping, 0, 0, new byte[8])]);
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.ProtocolError);
        await AssertClosedCleanly(server, run);
    }

    [Fact]
    public async Task Oversized_frame_closes_with_frame_size_error()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        // A header announcing 16 MiB - 1, far above the advertised SETTINGS_MAX_FRAME_SIZE.
        var header = new byte[9];
        Http2FrameHeader.Write(header, Http2Frames.MaxAllowedFrameSize, Http2FrameType.Data, 0, 1);
        await peer.WriteAsync(header);
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.FrameSizeError);
        await AssertClosedCleanly(server, run);
    }

    [Fact]
    public async Task Headers_on_stream_zero_closes_with_protocol_error()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 0, RawPeer.HeaderBlock((":method", "CONNECT"), (":authority", "a:1")));
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.ProtocolError);
        await AssertClosedCleanly(server, run);
    }

    [Theory]
    [InlineData((int)Http2FrameType.Settings, 0, 0, "000400", Http2ErrorCode.FrameSizeError)]          // not a multiple of 6
    [InlineData((int)Http2FrameType.Settings, 1, 0, "00", Http2ErrorCode.FrameSizeError)]              // ACK with payload
    [InlineData((int)Http2FrameType.Settings, 0, 1, "", Http2ErrorCode.ProtocolError)]                 // on a stream
    [InlineData((int)Http2FrameType.Settings, 0, 0, "000500001000", Http2ErrorCode.ProtocolError)]     // MAX_FRAME_SIZE 4096
    [InlineData((int)Http2FrameType.Settings, 0, 0, "000480000000", Http2ErrorCode.FlowControlError)]  // INITIAL_WINDOW_SIZE 2^31
    [InlineData((int)Http2FrameType.Settings, 0, 0, "000200000002", Http2ErrorCode.ProtocolError)]     // ENABLE_PUSH 2
    [InlineData((int)Http2FrameType.Ping, 0, 0, "0102", Http2ErrorCode.FrameSizeError)]
    [InlineData((int)Http2FrameType.Ping, 0, 1, "0000000000000000", Http2ErrorCode.ProtocolError)]
    [InlineData((int)Http2FrameType.WindowUpdate, 0, 0, "00000000", Http2ErrorCode.ProtocolError)]     // zero increment
    [InlineData((int)Http2FrameType.WindowUpdate, 0, 0, "7fffffff", Http2ErrorCode.FlowControlError)]  // window overflow
    [InlineData((int)Http2FrameType.WindowUpdate, 0, 0, "000001", Http2ErrorCode.FrameSizeError)]
    [InlineData((int)Http2FrameType.WindowUpdate, 0, 9, "00000001", Http2ErrorCode.ProtocolError)]     // idle stream
    [InlineData((int)Http2FrameType.Data, 0, 1, "abcd", Http2ErrorCode.ProtocolError)]                 // idle stream
    [InlineData((int)Http2FrameType.Data, 0, 0, "abcd", Http2ErrorCode.ProtocolError)]                 // stream 0
    [InlineData((int)Http2FrameType.RstStream, 0, 3, "00000008", Http2ErrorCode.ProtocolError)]        // idle stream
    [InlineData((int)Http2FrameType.RstStream, 0, 0, "00000008", Http2ErrorCode.ProtocolError)]
    [InlineData((int)Http2FrameType.GoAway, 0, 0, "0000", Http2ErrorCode.FrameSizeError)]
    [InlineData((int)Http2FrameType.Priority, 0, 0, "0000000110", Http2ErrorCode.ProtocolError)]
    [InlineData((int)Http2FrameType.PushPromise, 4, 1, "0000000282", Http2ErrorCode.ProtocolError)]
    [InlineData((int)Http2FrameType.Continuation, 4, 1, "82", Http2ErrorCode.ProtocolError)]           // no HEADERS before
    [InlineData((int)Http2FrameType.Headers, 4, 1, "80", Http2ErrorCode.CompressionError)]             // HPACK index 0
    [InlineData((int)Http2FrameType.Headers, 4, 2, "82", Http2ErrorCode.ProtocolError)]                // even stream id
    [InlineData((int)Http2FrameType.Headers, 0xC, 1, "0582", Http2ErrorCode.ProtocolError)]            // padding longer than payload
    public async Task Connection_errors_send_goaway_with_the_right_code(int type, int flags, int streamId, string payloadHex, Http2ErrorCode expected)
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync((Http2FrameType)type, (Http2FrameFlags)flags, streamId, Convert.FromHexString(payloadHex));
        await peer.ExpectGoAwayAndCloseAsync(expected);
        await AssertClosedCleanly(server, run);
    }

    [Fact]
    public async Task Interleaving_a_frame_inside_a_header_block_is_a_protocol_error()
    {
        var (server, run, peer, _) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync(Http2FrameType.Headers, 0, 1, RawPeer.HeaderBlock((":method", "CONNECT")));
        await peer.WriteFrameAsync(Http2FrameType.Ping, 0, 0, new byte[8]);
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.ProtocolError);
        await AssertClosedCleanly(server, run);
    }

    [Theory]
    [InlineData(":path", "/")]
    [InlineData(":scheme", "https")]
    public async Task Connect_with_scheme_or_path_is_reset_as_malformed(string name, string value)
    {
        var (server, run, peer, requests) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1,
            RawPeer.HeaderBlock((":method", "CONNECT"), (name, value), (":authority", "a:1")));
        var rst = await peer.ExpectAsync(f => f.Type == Http2FrameType.RstStream, "RST_STREAM");
        Assert.Equal(1, rst.StreamId);
        Assert.Equal(Http2ErrorCode.ProtocolError, rst.ErrorCode);
        Assert.Empty(requests);

        // Only the stream failed: the connection still answers PING.
        await peer.WriteFrameAsync(Http2FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
        var pong = await peer.ExpectAsync(f => f.Type == Http2FrameType.Ping, "PING ACK");
        Assert.Equal(Http2FrameFlags.Ack, pong.Flags);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, pong.Payload);
        Assert.False(server.IsClosed);
        await server.DisposeAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connect_split_across_continuation_with_huffman_strings_is_accepted()
    {
        var (server, run, peer, requests) = await StartServerAsync();
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        var block = RawPeer.HuffmanHeaderBlock((":method", "CONNECT"), (":authority", "10.0.0.1:8080"), ("baggage", "k8s.pod.name=client-7d4b9c"));
        await peer.WriteFrameAsync(Http2FrameType.Headers, 0, 1, block[..5]);
        await peer.WriteFrameAsync(Http2FrameType.Continuation, 0, 1, block[5..12]);
        await peer.WriteFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, block[12..]);
        var response = await peer.ExpectAsync(f => f.Type == Http2FrameType.Headers, "response HEADERS");
        Assert.Equal(new byte[] { 0x88 }, response.Payload); // :status 200, static index 8
        lock (requests)
        {
            Assert.Equal("10.0.0.1:8080", requests.Single().Authority);
            Assert.Equal("k8s.pod.name=client-7d4b9c", requests.Single().GetHeader("baggage"));
        }

        // Echo one DATA frame, then END_STREAM both ways.
        await peer.WriteFrameAsync(Http2FrameType.Data, 0, 1, Encoding.ASCII.GetBytes("ping"));
        var data = await peer.ExpectAsync(f => f.Type == Http2FrameType.Data, "echoed DATA");
        Assert.Equal("ping", Encoding.ASCII.GetString(data.Payload));
        await server.DisposeAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Stream_flow_control_violation_resets_the_stream()
    {
        var options = new HboneConnectionOptions { InitialStreamWindowSize = 1000, ConnectionWindowSize = 1_000_000 };
        var (server, run, peer, _) = await StartServerAsync(options, consume: false);
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, RawPeer.HeaderBlock((":method", "CONNECT"), (":authority", "a:1")));
        await peer.WriteFrameAsync(Http2FrameType.Data, 0, 1, new byte[1001]);
        var rst = await peer.ExpectAsync(f => f.Type == Http2FrameType.RstStream, "RST_STREAM");
        Assert.Equal(Http2ErrorCode.FlowControlError, rst.ErrorCode);
        Assert.False(server.IsClosed);
        await server.DisposeAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Tiny_data_frames_are_packed_so_memory_follows_octets_not_frames()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (clientTransport, serverTransport) = await HboneHarness.ConnectAsync(tls: false);
        var server = new HboneServerConnection(serverTransport);
        var run = server.RunAsync(async request => accepted.SetResult(await request.AcceptAsync()));
        await using var peer = new RawPeer(clientTransport);
        await peer.WritePrefaceAndSettingsAsync();
        await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, RawPeer.HeaderBlock((":method", "CONNECT"), (":authority", "a:1")));
        var stream = await accepted.Task.WaitAsync(Timeout);

        // 20000 one-octet DATA frames (plus a padded one) in a handful of writes; nobody reads meanwhile.
        var expected = new byte[20_000];
        new Random(5).NextBytes(expected);
        var batch = new List<byte>();
        for (var i = 0; i < expected.Length; i++)
        {
            batch.AddRange(RawPeer.FrameBytes(Http2FrameType.Data, 0, 1, [expected[i]]));
            if (batch.Count > 60_000)
            {
                await peer.WriteAsync([.. batch]);
                batch.Clear();
            }
        }
        batch.AddRange(RawPeer.FrameBytes(Http2FrameType.Data, Http2FrameFlags.Padded | Http2FrameFlags.EndStream, 1, [3, 0xAB, 0, 0, 0]));
        await peer.WriteAsync([.. batch]);

        await TunnelTests.WaitUntil(() => stream.IsRemoteEnded);
        Assert.True(stream.BufferedSegmentCount <= 3, $"{stream.BufferedSegmentCount} segments for 20001 octets");
        var received = await HboneHarness.ReadToEndAsync(stream).WaitAsync(Timeout);
        Assert.Equal([.. expected, 0xAB], received);
        await server.DisposeAsync();
        await run.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Connection_flow_control_violation_closes_the_connection()
    {
        var (server, run, peer, _) = await StartServerAsync(new HboneConnectionOptions { ConnectionWindowSize = 65_535 }, consume: false);
        await using var _peer = peer;
        await peer.WritePrefaceAndSettingsAsync();
        for (var i = 0; i < 5; i++)
        {
            await peer.WriteFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1 + 2 * i, RawPeer.HeaderBlock((":method", "CONNECT"), (":authority", "a:1")));
            await peer.WriteFrameAsync(Http2FrameType.Data, 0, 1 + 2 * i, new byte[16_000]);
        }
        await peer.ExpectGoAwayAndCloseAsync(Http2ErrorCode.FlowControlError);
        await AssertClosedCleanly(server, run);
    }

    [Fact]
    public async Task Random_garbage_after_the_handshake_never_escapes()
    {
        var random = new Random(1234);
        for (var i = 0; i < 200; i++)
        {
            var (server, run, peer, _) = await StartServerAsync();
            await using (peer)
            {
                await peer.WritePrefaceAndSettingsAsync();
                var garbage = new byte[random.Next(1, 200)];
                random.NextBytes(garbage);
                try
                {
                    await peer.WriteAsync(garbage);
                }
                catch (IOException)
                {
                }
            }
            await run.WaitAsync(Timeout);
            Assert.True(server.IsClosed);
        }
    }

    [Fact]
    public async Task Client_survives_a_server_that_sends_garbage()
    {
        var (clientTransport, serverTransport) = await HboneHarness.ConnectAsync(tls: false);
        await using var raw = new RawPeer(serverTransport);
        var client = await HboneClientConnection.StartAsync(clientTransport);
        var open = client.OpenTunnelAsync("a:1");
        await raw.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\n\r\n"));
        await client.Completion.WaitAsync(Timeout);
        Assert.True(client.IsClosed);
        await Assert.ThrowsAnyAsync<IOException>(() => open.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Client_rejects_a_server_push_attempt()
    {
        var (clientTransport, serverTransport) = await HboneHarness.ConnectAsync(tls: false);
        await using var raw = new RawPeer(serverTransport);
        var client = await HboneClientConnection.StartAsync(clientTransport);
        Assert.Equal(Http2Frames.ClientPreface.ToArray(), await raw.ReadPrefaceAsync());
        await raw.WriteFrameAsync(Http2FrameType.Settings, 0, 0, []);
        await raw.WriteFrameAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2, 0x82]);
        var goAway = await raw.ExpectAsync(f => f.Type == Http2FrameType.GoAway, "GOAWAY");
        Assert.Equal(Http2ErrorCode.ProtocolError, goAway.ErrorCode);
        await client.Completion.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Keepalive_closes_a_connection_whose_peer_stops_answering()
    {
        var (clientTransport, serverTransport) = await HboneHarness.ConnectAsync(tls: false);
        await using var raw = new RawPeer(serverTransport);
        var client = await HboneClientConnection.StartAsync(clientTransport, new HboneConnectionOptions
        {
            KeepAliveInterval = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        });
        await raw.ReadPrefaceAsync();
        await raw.WriteFrameAsync(Http2FrameType.Settings, 0, 0, []);
        // The raw peer reads nothing more and never acknowledges the PINGs.
        await client.Completion.WaitAsync(Timeout);
        Assert.IsType<TimeoutException>(client.Error);
    }

    [Fact]
    public async Task Handshake_timeout_closes_a_silent_peer()
    {
        var (server, run, peer, _) = await StartServerAsync(new HboneConnectionOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        await using var _peer = peer;
        await AssertClosedCleanly(server, run);
        Assert.IsType<TimeoutException>(server.Error);
    }
}
