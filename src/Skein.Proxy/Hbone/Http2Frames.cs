using System.Buffers.Binary;

namespace Skein.Proxy.Hbone;

/// <summary>HTTP/2 frame types (RFC 9113 §6).</summary>
internal enum Http2FrameType : byte
{
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
}

/// <summary>HTTP/2 frame flags; the same bit means different things per frame type.</summary>
[Flags]
internal enum Http2FrameFlags : byte
{
    None = 0,
    EndStream = 0x1,
    Ack = 0x1,
    EndHeaders = 0x4,
    Padded = 0x8,
    Priority = 0x20,
}

/// <summary>HTTP/2 error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7).</summary>
public enum Http2ErrorCode : uint
{
    /// <summary>Graceful shutdown or no error.</summary>
    NoError = 0x0,
    /// <summary>Generic protocol violation.</summary>
    ProtocolError = 0x1,
    /// <summary>Unexpected internal failure.</summary>
    InternalError = 0x2,
    /// <summary>Flow-control limits violated.</summary>
    FlowControlError = 0x3,
    /// <summary>SETTINGS not acknowledged in time.</summary>
    SettingsTimeout = 0x4,
    /// <summary>Frame received on a half-closed or closed stream.</summary>
    StreamClosed = 0x5,
    /// <summary>Frame with an invalid size.</summary>
    FrameSizeError = 0x6,
    /// <summary>Stream refused before any processing.</summary>
    RefusedStream = 0x7,
    /// <summary>Stream no longer needed.</summary>
    Cancel = 0x8,
    /// <summary>HPACK state could not be maintained.</summary>
    CompressionError = 0x9,
    /// <summary>The tunnelled TCP connection failed (CONNECT).</summary>
    ConnectError = 0xa,
    /// <summary>Peer is generating excessive load.</summary>
    EnhanceYourCalm = 0xb,
    /// <summary>Transport security too weak.</summary>
    InadequateSecurity = 0xc,
    /// <summary>Endpoint requires HTTP/1.1.</summary>
    Http11Required = 0xd,
}

/// <summary>SETTINGS parameter identifiers (RFC 9113 §6.5.2).</summary>
internal enum Http2SettingId : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
}

/// <summary>The fixed 9-octet header that precedes every frame.</summary>
internal readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, Http2FrameFlags Flags, int StreamId)
{
    public const int Size = 9;

    public bool HasFlag(Http2FrameFlags flag) => (Flags & flag) != 0;

    /// <summary>Parses a header; the reserved high bit of the stream id is ignored as the RFC requires.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> source)
    {
        var length = (source[0] << 16) | (source[1] << 8) | source[2];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source.Slice(5)) & 0x7FFF_FFFF);
        return new Http2FrameHeader(length, (Http2FrameType)source[3], (Http2FrameFlags)source[4], streamId);
    }

    public void Write(Span<byte> destination) => Write(destination, Length, Type, Flags, StreamId);

    public static void Write(Span<byte> destination, int length, Http2FrameType type, Http2FrameFlags flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = (byte)type;
        destination[4] = (byte)flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(5), (uint)streamId & 0x7FFF_FFFF);
    }
}

/// <summary>Protocol constants and serializers for the small control frames.</summary>
internal static class Http2Frames
{
    /// <summary>The client connection preface (RFC 9113 §3.4).</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int DefaultMaxFrameSize = 16_384;
    public const int MaxAllowedFrameSize = 16_777_215;
    public const int DefaultInitialWindowSize = 65_535;
    public const int MaxWindowSize = int.MaxValue;
    public const int DefaultHeaderTableSize = 4_096;
    public const int MaxStreamId = int.MaxValue;

    public const int SettingsEntrySize = 6;
    public const int RstStreamSize = Http2FrameHeader.Size + 4;
    public const int WindowUpdateSize = Http2FrameHeader.Size + 4;
    public const int PingSize = Http2FrameHeader.Size + 8;
    public const int GoAwayMinSize = Http2FrameHeader.Size + 8;

    public static int WriteSettings(Span<byte> destination, ReadOnlySpan<(Http2SettingId Id, uint Value)> settings)
    {
        var length = settings.Length * SettingsEntrySize;
        Http2FrameHeader.Write(destination, length, Http2FrameType.Settings, Http2FrameFlags.None, 0);
        var offset = Http2FrameHeader.Size;
        foreach (var (id, value) in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(offset), (ushort)id);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(offset + 2), value);
            offset += SettingsEntrySize;
        }
        return offset;
    }

    public static int WriteSettingsAck(Span<byte> destination)
    {
        Http2FrameHeader.Write(destination, 0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0);
        return Http2FrameHeader.Size;
    }

    public static int WriteWindowUpdate(Span<byte> destination, int streamId, int increment)
    {
        Http2FrameHeader.Write(destination, 4, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size), (uint)increment & 0x7FFF_FFFF);
        return WindowUpdateSize;
    }

    public static int WriteRstStream(Span<byte> destination, int streamId, Http2ErrorCode code)
    {
        Http2FrameHeader.Write(destination, 4, Http2FrameType.RstStream, Http2FrameFlags.None, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size), (uint)code);
        return RstStreamSize;
    }

    public static int WritePing(Span<byte> destination, ulong opaque, bool ack)
    {
        Http2FrameHeader.Write(destination, 8, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(Http2FrameHeader.Size), opaque);
        return PingSize;
    }

    public static int WriteGoAway(Span<byte> destination, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData)
    {
        Http2FrameHeader.Write(destination, 8 + debugData.Length, Http2FrameType.GoAway, Http2FrameFlags.None, 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size), (uint)lastStreamId & 0x7FFF_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(Http2FrameHeader.Size + 4), (uint)code);
        debugData.CopyTo(destination.Slice(GoAwayMinSize));
        return GoAwayMinSize + debugData.Length;
    }

    /// <summary>Strips padding (RFC 9113 §6.1, §6.2); a pad length that eats the whole payload is a connection error.</summary>
    public static ReadOnlySpan<byte> RemovePadding(ReadOnlySpan<byte> payload, Http2FrameHeader header)
    {
        if (!header.HasFlag(Http2FrameFlags.Padded))
        {
            return payload;
        }
        if (payload.Length < 1)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "padded frame without a pad length");
        }
        var padLength = payload[0];
        if (padLength >= payload.Length)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "padding exceeds the frame payload");
        }
        return payload.Slice(1, payload.Length - 1 - padLength);
    }
}
