using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>Frame header layout and control-frame serialization (RFC 9113 §4.1, §6).</summary>
public class FrameTests
{
    [Fact]
    public void Frame_header_round_trips_and_ignores_the_reserved_bit()
    {
        var buffer = new byte[9];
        Http2FrameHeader.Write(buffer, 0x123456, Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 0x7FFF_FFFF);
        Assert.Equal(HpackTests.Hex("123456 01 05 7fffffff"), buffer);

        buffer[5] |= 0x80; // reserved bit set by a sloppy peer
        var header = Http2FrameHeader.Read(buffer);
        Assert.Equal(0x123456, header.Length);
        Assert.Equal(Http2FrameType.Headers, header.Type);
        Assert.True(header.HasFlag(Http2FrameFlags.EndHeaders));
        Assert.True(header.HasFlag(Http2FrameFlags.EndStream));
        Assert.False(header.HasFlag(Http2FrameFlags.Padded));
        Assert.Equal(0x7FFF_FFFF, header.StreamId);
    }

    [Fact]
    public void Control_frames_have_the_rfc_layout()
    {
        var buffer = new byte[64];
        var n = Http2Frames.WriteSettings(buffer, [(Http2SettingId.InitialWindowSize, 4 * 1024 * 1024), (Http2SettingId.MaxFrameSize, 16384)]);
        Assert.Equal(HpackTests.Hex("00000c 04 00 00000000 0004 00400000 0005 00004000"), buffer[..n]);

        n = Http2Frames.WriteSettingsAck(buffer);
        Assert.Equal(HpackTests.Hex("000000 04 01 00000000"), buffer[..n]);

        n = Http2Frames.WriteWindowUpdate(buffer, 3, 0x10000);
        Assert.Equal(HpackTests.Hex("000004 08 00 00000003 00010000"), buffer[..n]);

        n = Http2Frames.WriteRstStream(buffer, 5, Http2ErrorCode.Cancel);
        Assert.Equal(HpackTests.Hex("000004 03 00 00000005 00000008"), buffer[..n]);

        n = Http2Frames.WritePing(buffer, 0x0102030405060708, ack: true);
        Assert.Equal(HpackTests.Hex("000008 06 01 00000000 0102030405060708"), buffer[..n]);

        n = Http2Frames.WriteGoAway(buffer, 7, Http2ErrorCode.ProtocolError, "x"u8);
        Assert.Equal(HpackTests.Hex("000009 07 00 00000000 00000007 00000001 78"), buffer[..n]);
    }

    [Fact]
    public void Padding_is_removed_and_excess_padding_is_a_protocol_error()
    {
        var header = new Http2FrameHeader(6, Http2FrameType.Headers, Http2FrameFlags.Padded, 1);
        Assert.Equal(HpackTests.Hex("aabb"), Http2Frames.RemovePadding(HpackTests.Hex("03 aabb 000000"), header).ToArray());

        var e = Assert.Throws<Http2ConnectionException>(() => Http2Frames.RemovePadding(HpackTests.Hex("06 aabb 000000"), header));
        Assert.Equal(Http2ErrorCode.ProtocolError, e.Code);
    }

    [Fact]
    public void Client_preface_is_the_rfc_magic()
    {
        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", System.Text.Encoding.ASCII.GetString(Http2Frames.ClientPreface));
    }

    [Theory]
    [InlineData("CONNECT", "10.0.0.1:80", null, null, null)]
    [InlineData("CONNECT", "10.0.0.1:80", ":path", "/", "must not carry")]
    [InlineData("CONNECT", "10.0.0.1:80", ":scheme", "https", "must not carry")]
    [InlineData("CONNECT", "", null, null, "without :authority")]
    [InlineData("CONNECT", "10.0.0.1:80", ":protocol", "websocket", "pseudo-header")]
    [InlineData("CONNECT", "10.0.0.1:80", "Upper", "x", "invalid header name")]
    [InlineData("CONNECT", "10.0.0.1:80", "connection", "close", "connection-specific")]
    [InlineData("CONNECT", "10.0.0.1:80", "x-bad", "a\r\nb", "CR or LF")]
    [InlineData("GET", "host", null, null, "without :scheme or :path")]
    public void Request_validation_follows_rfc9113_section8(string method, string authority, string? extraName, string? extraValue, string? error)
    {
        var headers = new List<KeyValuePair<string, string>> { new(":method", method) };
        if (authority.Length > 0)
        {
            headers.Add(new(":authority", authority));
        }
        if (extraName is not null)
        {
            headers.Add(new(extraName, extraValue!));
        }
        var result = HboneHeaders.ValidateRequest(headers, out var m, out var a);
        if (error is null)
        {
            Assert.Null(result);
            Assert.Equal(method, m);
            Assert.Equal(authority, a);
        }
        else
        {
            Assert.Contains(error, result);
        }
    }
}
