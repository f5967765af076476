using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Skein.Proxy.Hbone;

// The read loop and one handler per frame type (RFC 9113 §6): validation first, then the state change.
public abstract partial class HboneConnection
{
    /// <summary>DATA payloads below this size are copied and packed; larger ones are read straight into their own segment.</summary>
    private const int SmallDataFrame = 8 * 1024;

    private async Task ReadLoopAsync(bool expectPreface)
    {
        Exception? error = null;
        // A peer that never completes the handshake must not hold the connection open forever.
        using var handshakeTimer = new CancellationTokenSource(Options.HandshakeTimeout);
        using var handshakeRegistration = handshakeTimer.Token.UnsafeRegister(static s =>
        {
            var c = (HboneConnection)s!;
            if (!Volatile.Read(ref c._settingsReceived))
            {
                c.Abort(new TimeoutException("HTTP/2 handshake timed out"));
            }
        }, this);
        var token = _abortCts.Token;
        try
        {
            if (expectPreface && !await _reader.ReadClientPrefaceAsync(token).ConfigureAwait(false))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "invalid HTTP/2 connection preface");
            }
            while (true)
            {
                var header = await _reader.ReadHeaderAsync(token).ConfigureAwait(false);
                if (header is null)
                {
                    break;
                }
                Volatile.Write(ref _lastFrameTicks, Environment.TickCount64);
                try
                {
                    await ProcessFrameAsync(header.Value, token).ConfigureAwait(false);
                }
                catch (Http2StreamException e)
                {
                    ResetStreamById(e.StreamId, e.Code, e.Message);
                }
            }
        }
        catch (Http2ConnectionException e)
        {
            error = e;
            await SendGoAwayAsync(e.Code, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            error = IsClosed ? null : e;
        }
        catch (Exception e)
        {
            // A bug must not take the process down; the peer learns it was our fault.
            error = e;
            await SendGoAwayAsync(Http2ErrorCode.InternalError, "internal error").ConfigureAwait(false);
        }
        finally
        {
            Abort(error);
            ReturnHeaderBlock();
            _reader.Dispose();
            _completion.TrySetResult();
        }
    }

    // ---- frame dispatch ----

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ProcessFrameAsync(Http2FrameHeader header, CancellationToken token)
    {
        if (header.Length > Options.MaxFrameSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, $"frame of {header.Length} octets exceeds SETTINGS_MAX_FRAME_SIZE");
        }
        if (_headerStreamId != 0 && header.Type != Http2FrameType.Continuation)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "expected CONTINUATION");
        }
        if (!_settingsReceived && (header.Type != Http2FrameType.Settings || header.HasFlag(Http2FrameFlags.Ack)))
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "the first frame must be SETTINGS");
        }

        switch (header.Type)
        {
            case Http2FrameType.Data:
                await OnDataAsync(header, token).ConfigureAwait(false);
                break;
            case Http2FrameType.Headers:
                OnHeadersFrame(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.Continuation:
                OnContinuation(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.Priority:
                await _reader.SkipAsync(header.Length, token).ConfigureAwait(false);
                OnPriority(header);
                break;
            case Http2FrameType.RstStream:
                OnRstStream(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.Settings:
                OnSettings(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.PushPromise:
                // The client disables push; a client never sends PUSH_PROMISE (§8.4).
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PUSH_PROMISE is not allowed");
            case Http2FrameType.Ping:
                OnPing(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.GoAway:
                OnGoAway(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(header, (await _reader.ReadPayloadAsync(header.Length, token).ConfigureAwait(false)).Span);
                break;
            default:
                // Unknown frame types are ignored (§5.5).
                await _reader.SkipAsync(header.Length, token).ConfigureAwait(false);
                break;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask OnDataAsync(Http2FrameHeader header, CancellationToken token)
    {
        var streamId = header.StreamId;
        var length = header.Length;
        if (streamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "DATA on stream 0");
        }
        var padded = header.HasFlag(Http2FrameFlags.Padded);
        if (padded && length == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "padded DATA without a pad length");
        }
        // The whole payload, padding included, counts against flow control (§6.9.1).
        if (!_connectionReceiveWindow.TryReserve(length))
        {
            throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "peer exceeded the connection flow-control window");
        }

        var stream = FindStream(streamId);
        if (stream is null)
        {
            if (IsIdle(streamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "DATA on an idle stream");
            }
            // A stream we already closed or reset: frames in flight are expected, discard them.
            await DiscardDataAsync(length, token).ConfigureAwait(false);
            return;
        }
        if (stream.IsRemoteEnded)
        {
            await DiscardDataAsync(length, token).ConfigureAwait(false);
            throw new Http2StreamException(streamId, Http2ErrorCode.StreamClosed, "DATA after END_STREAM");
        }
        if (!stream.ReceiveWindow.TryReserve(length))
        {
            await DiscardDataAsync(length, token).ConfigureAwait(false);
            throw new Http2StreamException(streamId, Http2ErrorCode.FlowControlError, "peer exceeded the stream flow-control window");
        }

        var endStream = header.HasFlag(Http2FrameFlags.EndStream);
        if (length == 0)
        {
            if (endStream)
            {
                OnRemoteEndStream(stream);
            }
            return;
        }

        var offset = 0;
        var count = length;
        byte[]? array = null;
        ReadOnlyMemory<byte> small = default;
        if (length < SmallDataFrame)
        {
            // Small payloads are copied out of the read buffer and packed together (see EnqueueCopy).
            small = await _reader.ReadPayloadAsync(length, token).ConfigureAwait(false);
        }
        else
        {
            // Large payloads go straight into their own pooled segment, kept by the stream until the application reads it.
            array = HboneBuffers.Rent(length);
            try
            {
                await _reader.ReadPayloadAsync(array.AsMemory(0, length), token).ConfigureAwait(false);
            }
            catch
            {
                HboneBuffers.Return(array);
                throw;
            }
        }
        if (padded)
        {
            var padLength = array is null ? small.Span[0] : array[0];
            if (padLength >= length)
            {
                if (array is not null)
                {
                    HboneBuffers.Return(array);
                }
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "padding exceeds the DATA payload");
            }
            offset = 1;
            count = length - 1 - padLength;
            // Padding is never read by the application: give its credit back now.
            OnDataConsumed(stream, padLength + 1);
        }
        var queued = array is null
            ? stream.EnqueueCopy(small.Span.Slice(offset, count), endStream)
            : stream.EnqueueData(array, offset, count, endStream);
        if (!queued)
        {
            if (array is not null)
            {
                HboneBuffers.Return(array);
            }
            ReleaseConnectionCredit(count);
            return;
        }
        if (endStream && stream.IsLocalEnded)
        {
            RemoveStream(stream);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DiscardDataAsync(int length, CancellationToken token)
    {
        await _reader.SkipAsync(length, token).ConfigureAwait(false);
        ReleaseConnectionCredit(length);
    }

    private void OnHeadersFrame(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var streamId = header.StreamId;
        if (streamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "HEADERS on stream 0");
        }
        var fragment = Http2Frames.RemovePadding(payload, header);
        var selfDependent = false;
        if (header.HasFlag(Http2FrameFlags.Priority))
        {
            if (fragment.Length < 5)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "HEADERS priority fields truncated");
            }
            var dependency = (int)(BinaryPrimitives.ReadUInt32BigEndian(fragment) & 0x7FFF_FFFF);
            selfDependent = dependency == streamId;
            fragment = fragment.Slice(5);
        }
        _headerStreamId = streamId;
        _headerEndStream = header.HasFlag(Http2FrameFlags.EndStream);
        _headerSelfDependent = selfDependent;
        _headerBlockLength = 0;
        AppendHeaderFragment(fragment);
        if (header.HasFlag(Http2FrameFlags.EndHeaders))
        {
            CompleteHeaderBlock();
        }
    }

    private void OnContinuation(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_headerStreamId == 0 || header.StreamId != _headerStreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "CONTINUATION without a preceding HEADERS on the same stream");
        }
        AppendHeaderFragment(payload);
        if (header.HasFlag(Http2FrameFlags.EndHeaders))
        {
            CompleteHeaderBlock();
        }
    }

    private void AppendHeaderFragment(ReadOnlySpan<byte> fragment)
    {
        var needed = _headerBlockLength + fragment.Length;
        if (needed > Options.MaxHeaderListSize * MaxHeaderBlockFactor)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, "header block too large");
        }
        if (_headerBlock is null || _headerBlock.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            if (_headerBlock is not null)
            {
                _headerBlock.AsSpan(0, _headerBlockLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_headerBlock);
            }
            _headerBlock = bigger;
        }
        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength = needed;
    }

    private void CompleteHeaderBlock()
    {
        var streamId = _headerStreamId;
        var endStream = _headerEndStream;
        var selfDependent = _headerSelfDependent;
        _headerStreamId = 0;
        var headers = new List<KeyValuePair<string, string>>();
        try
        {
            // Decoded even when the stream will be refused: the HPACK table must track every block (§4.3).
            _decoder.Decode(_headerBlock.AsSpan(0, _headerBlockLength), headers);
        }
        catch (HpackException e)
        {
            throw new Http2ConnectionException(Http2ErrorCode.CompressionError, e.Message);
        }
        finally
        {
            _headerBlockLength = 0;
        }
        if (selfDependent)
        {
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, "stream depends on itself");
        }
        OnHeaders(streamId, headers, endStream);
    }

    private void ReturnHeaderBlock()
    {
        if (_headerBlock is { } block)
        {
            _headerBlock = null;
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private void OnPriority(Http2FrameHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PRIORITY on stream 0");
        }
        if (header.Length != 5)
        {
            throw new Http2StreamException(header.StreamId, Http2ErrorCode.FrameSizeError, "PRIORITY must be 5 octets");
        }
        // Priority signals are advisory and deprecated (RFC 9113 §5.3.2): ignored.
    }

    private void OnRstStream(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "RST_STREAM on stream 0");
        }
        if (payload.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "RST_STREAM must be 4 octets");
        }
        var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
        var stream = FindStream(header.StreamId);
        if (stream is null)
        {
            if (IsIdle(header.StreamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "RST_STREAM on an idle stream");
            }
            return;
        }
        RemoveStream(stream);
        var error = new HboneStreamResetException(code, $"HBONE stream reset by peer ({code})");
        SendFlow.FailStream(stream.SendWindow, error);
        ReleaseConnectionCredit(stream.Abort(error));
    }

    private void OnSettings(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS on a stream");
        }
        if (header.HasFlag(Http2FrameFlags.Ack))
        {
            if (payload.Length != 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "SETTINGS ACK with a payload");
            }
            return;
        }
        if (payload.Length % Http2Frames.SettingsEntrySize != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "SETTINGS length is not a multiple of 6");
        }

        for (var offset = 0; offset < payload.Length; offset += Http2Frames.SettingsEntrySize)
        {
            var id = (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(offset));
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(offset + 2));
            switch (id)
            {
                case Http2SettingId.EnablePush:
                    if (value > 1 || (_isClient && value == 1))
                    {
                        throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "invalid SETTINGS_ENABLE_PUSH");
                    }
                    break;
                case Http2SettingId.MaxConcurrentStreams:
                    lock (Sync)
                    {
                        PeerMaxConcurrentStreams = value;
                    }
                    OnCapacityChanged();
                    break;
                case Http2SettingId.InitialWindowSize:
                    if (value > Http2Frames.MaxWindowSize)
                    {
                        throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
                    }
                    lock (Sync)
                    {
                        // Under Sync so a stream registered concurrently starts from the new value, not a stale one.
                        var delta = (int)value - PeerInitialWindowSize;
                        PeerInitialWindowSize = (int)value;
                        if (delta != 0)
                        {
                            SendFlow.OnInitialWindowSizeChanged(delta, Streams.Values.Select(s => s.SendWindow));
                        }
                    }
                    break;
                case Http2SettingId.MaxFrameSize:
                    if (value < Http2Frames.DefaultMaxFrameSize || value > Http2Frames.MaxAllowedFrameSize)
                    {
                        throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS_MAX_FRAME_SIZE out of range");
                    }
                    Writer.PeerMaxFrameSize = (int)value;
                    break;
                default:
                    // HEADER_TABLE_SIZE: our encoder never indexes, so any table size works.
                    // MAX_HEADER_LIST_SIZE: advisory; CONNECT header lists are tiny. Unknown ids are ignored (§6.5.2).
                    break;
            }
        }
        Writer.EnqueueSettingsAck();
        Volatile.Write(ref _settingsReceived, true);
    }

    private void OnPing(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PING on a stream");
        }
        if (payload.Length != 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "PING must be 8 octets");
        }
        var opaque = BinaryPrimitives.ReadUInt64BigEndian(payload);
        if (header.HasFlag(Http2FrameFlags.Ack))
        {
            TaskCompletionSource? pong;
            lock (_pings)
            {
                _pings.Remove(opaque, out pong);
            }
            pong?.TrySetResult();
            return;
        }
        Writer.EnqueuePing(opaque, ack: true);
    }

    private void OnGoAway(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "GOAWAY on a stream");
        }
        if (payload.Length < 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "GOAWAY shorter than 8 octets");
        }
        var lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(4));
        PeerGoAwayCode = code;
        List<HboneStream> refused = [];
        lock (Sync)
        {
            Draining = true;
            foreach (var stream in Streams.Values)
            {
                // Streams this side opened above the peer's last processed id were never seen: fail them as retryable.
                if (IsLocallyInitiated(stream.StreamId) && stream.StreamId > lastStreamId)
                {
                    refused.Add(stream);
                }
            }
        }
        foreach (var stream in refused)
        {
            RemoveStream(stream);
            var error = new HboneStreamResetException(Http2ErrorCode.RefusedStream, "HBONE stream not processed: the peer sent GOAWAY");
            SendFlow.FailStream(stream.SendWindow, error);
            stream.Abort(error);
        }
        OnCapacityChanged();
        CheckDrained();
    }

    private void OnWindowUpdate(Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE must be 4 octets");
        }
        var increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        if (header.StreamId == 0)
        {
            if (increment == 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE with a zero increment");
            }
            SendFlow.OnConnectionWindowUpdate(increment);
            return;
        }
        var stream = FindStream(header.StreamId);
        if (stream is null)
        {
            if (IsIdle(header.StreamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE on an idle stream");
            }
            return;
        }
        if (increment == 0)
        {
            throw new Http2StreamException(header.StreamId, Http2ErrorCode.ProtocolError, "WINDOW_UPDATE with a zero increment");
        }
        if (!SendFlow.OnStreamWindowUpdate(stream.SendWindow, increment))
        {
            throw new Http2StreamException(header.StreamId, Http2ErrorCode.FlowControlError, "stream flow-control window overflow");
        }
    }
}
