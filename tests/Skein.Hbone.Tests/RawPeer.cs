using System.Buffers.Binary;
using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>A hand-driven HTTP/2 endpoint for feeding the codec exact (and malformed) frames.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Stream _stream;

    public RawPeer(Stream stream) => _stream = stream;

    public record Frame(Http2FrameType Type, Http2FrameFlags Flags, int StreamId, byte[] Payload)
    {
        public Http2ErrorCode ErrorCode => Type switch
        {
            Http2FrameType.GoAway => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(4)),
            Http2FrameType.RstStream => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Payload),
            _ => throw new InvalidOperationException($"{Type} carries no error code"),
        };
    }

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public Task WritePrefaceAndSettingsAsync() => WriteAsync([.. Http2Frames.ClientPreface, .. FrameBytes(Http2FrameType.Settings, 0, 0, [])]);

    public Task WriteFrameAsync(Http2FrameType type, Http2FrameFlags flags, int streamId, byte[] payload)
        => WriteAsync(FrameBytes(type, flags, streamId, payload));

    public static byte[] FrameBytes(Http2FrameType type, Http2FrameFlags flags, int streamId, byte[] payload)
    {
        var bytes = new byte[9 + payload.Length];
        Http2FrameHeader.Write(bytes, payload.Length, type, flags, streamId);
        payload.CopyTo(bytes, 9);
        return bytes;
    }

    /// <summary>A header block made with the codec's encoder, optionally Huffman-coding each string.</summary>
    public static byte[] HeaderBlock(params (string Name, string Value)[] fields)
    {
        var buffer = new byte[4096];
        var length = 0;
        foreach (var (name, value) in fields)
        {
            length += HpackEncoder.EncodeField(buffer.AsSpan(length), name, value);
        }
        return buffer[..length];
    }

    /// <summary>Literal-without-indexing fields with Huffman-coded names and values, like browsers and nghttp2 send.</summary>
    public static byte[] HuffmanHeaderBlock(params (string Name, string Value)[] fields)
    {
        var output = new List<byte>();
        foreach (var (name, value) in fields)
        {
            output.Add(0x00);
            AddHuffman(output, name);
            AddHuffman(output, value);
        }
        return [.. output];

        static void AddHuffman(List<byte> output, string text)
        {
            var raw = System.Text.Encoding.Latin1.GetBytes(text);
            var encoded = new byte[HpackHuffman.GetEncodedLength(raw)];
            HpackHuffman.Encode(raw, encoded);
            var prefix = new byte[8];
            var n = HpackEncoder.WriteInteger(prefix, encoded.Length, 7, 0x80);
            output.AddRange(prefix[..n]);
            output.AddRange(encoded);
        }
    }

    /// <summary>Reads the 24-octet client preface (when this peer plays the server).</summary>
    public async Task<byte[]> ReadPrefaceAsync()
    {
        var preface = new byte[Http2Frames.ClientPreface.Length];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.True(await ReadExactlyOrEofAsync(preface, cts.Token));
        return preface;
    }

    /// <summary>Reads one frame; null at end of stream (or a reset connection).</summary>
    public async Task<Frame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var header = new byte[9];
        try
        {
            if (!await ReadExactlyOrEofAsync(header, cts.Token))
            {
                return null;
            }
            var h = Http2FrameHeader.Read(header);
            var payload = new byte[h.Length];
            if (!await ReadExactlyOrEofAsync(payload, cts.Token))
            {
                return null;
            }
            return new Frame(h.Type, h.Flags, h.StreamId, payload);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task<bool> ReadExactlyOrEofAsync(byte[] buffer, CancellationToken token)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(filled), token);
            if (n == 0)
            {
                return false;
            }
            filled += n;
        }
        return true;
    }

    /// <summary>Reads frames until one matches; fails if the connection ends first.</summary>
    public async Task<Frame> ExpectAsync(Func<Frame, bool> match, string what)
    {
        while (true)
        {
            var frame = await ReadFrameAsync() ?? throw new Xunit.Sdk.XunitException($"connection ended before {what}");
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Expects GOAWAY with the code, then the connection closing.</summary>
    public async Task ExpectGoAwayAndCloseAsync(Http2ErrorCode code)
    {
        var goAway = await ExpectAsync(f => f.Type == Http2FrameType.GoAway, "GOAWAY");
        Assert.Equal(code, goAway.ErrorCode);
        while (await ReadFrameAsync() is not null)
        {
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
