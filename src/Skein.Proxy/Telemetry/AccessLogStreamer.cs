using System.Buffers;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Envoy.Core;
using Skein.Proxy.Xds;

namespace Skein.Proxy.Telemetry;

/// <summary>Streams access log records to the control plane over Envoy's ALS (<c>StreamAccessLogs</c>), on the xDS channel's TLS and token.</summary>
/// <remarks>
/// Lossy by design, as ALS is: a bounded queue drops (and counts) records while the control plane is slow or
/// away, and the stream reconnects with jittered backoff. Records are sent in batches of one kind (TCP or HTTP),
/// the node identified in the first message only, as Envoy does. Like Envoy's gRPC access logger (which buffers
/// for <c>buffer_flush_interval</c>, 1 s by default), the sender waits up to <see cref="FlushInterval"/> for a batch
/// to gather, and sends as soon as <see cref="SendThresholdFor"/> records are waiting: under load a message carries
/// tens to hundreds of entries instead of one, on both ends of the stream, while no record waits long.
/// </remarks>
public sealed class AccessLogStreamer(ProxyOptions options, ControlPlaneChannel channels, ProxyStats stats, ILogger<AccessLogStreamer> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>Records that make a batch worth sending before <see cref="FlushInterval"/> is up.</summary>
    /// <remarks>
    /// Queued records are garbage the moment they are sent, so how long they wait decides how much of them the GC
    /// promotes: under connection churn (thousands of records a second, a young collection every few tens of ms)
    /// records held for the whole interval outlived two collections and filled the old generation, which was ~8 MiB
    /// of a node proxy's peak RSS in the HBONE benchmark. A batch that goes out when this many have gathered keeps
    /// records young. Gateways and waypoints log a record per request, at rates where 64 meant hundreds of messages a
    /// second and a thread wake-up per few records on the control plane; they have no 40 MB budget, so they send 256 at a time.
    /// </remarks>
    internal static int SendThresholdFor(string role) => role == "node" ? 64 : 256;

    /// <summary>How long the sender lets records gather before sending a batch that is not full; short enough for <c>skein top</c> and <c>explain</c> to stay current.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    // Wait mode, used only through TryWrite (which never waits), because it reports a full queue; the Drop
    // modes report success and discard silently, so nothing could be counted.
    private readonly Channel<AccessLogRecord> _queue = Channel.CreateBounded<AccessLogRecord>(
        new BoundedChannelOptions(8192) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly AlsBatchGate _gate = new(SendThresholdFor(options.Role));

    private readonly Counter _dropped = stats.Get("access_log.als_dropped");
    private readonly Counter _sent = stats.Get("access_log.als_sent");

    /// <summary>Queues a record for the stream; never waits.</summary>
    public void Enqueue(AccessLogRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            _dropped.Add(1);
            return;
        }

        _gate.Added();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Wait for something to send before dialing: an idle proxy holds no stream open.
                if (!await _queue.Reader.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                await RunStreamAsync(() => backoff = InitialBackoff, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                stats.Increment("access_log.als_disconnects");
                logger.LogDebug("access log stream to {ControlPlane} failed: {Error}; retrying", options.ControlPlane, e.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds) + TimeSpan.FromMilliseconds(50), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task RunStreamAsync(Action onConnected, CancellationToken ct)
    {
        using var channel = channels.Create();
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(EncodedStream, null, new CallOptions(cancellationToken: ct));
        var identifier = new StreamAccessLogsMessage.Types.Identifier
        {
            Node = new Node { Id = options.Node, Cluster = "embedded", UserAgentName = "skein" },
            LogName = $"skein-{options.Role}",
        };
        var batch = new List<AccessLogRecord>(MaxBatch);
        var entries = new AlsEntries();
        var tcp = new List<TCPAccessLogEntry>(MaxBatch);
        var http = new List<HTTPAccessLogEntry>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync(ct))
        {
            await _gate.WaitAsync(FlushInterval, ct);
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            _gate.Taken(batch.Count);

            entries.Reset();
            tcp.Clear();
            http.Clear();
            foreach (var record in batch)
            {
                if (record.IsHttp)
                {
                    http.Add(entries.Http(record));
                }
                else
                {
                    tcp.Add(entries.Tcp(record));
                }
            }

            // One message per kind present (an ALS message carries entries of a single kind); the first names the node.
            if (tcp.Count > 0)
            {
                await WriteAllAsync(call.RequestStream, EncodeChunked(identifier, TcpLogsField, tcp), ct);
                identifier = null;
                onConnected();
            }

            if (http.Count > 0)
            {
                await WriteAllAsync(call.RequestStream, EncodeChunked(identifier, HttpLogsField, http), ct);
                identifier = null;
                onConnected();
            }

            _sent.Add(batch.Count);
        }

        await call.RequestStream.CompleteAsync();
    }

    private static async Task WriteAllAsync(IClientStreamWriter<EncodedMessage> stream, List<EncodedMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
        {
            // The marshaller copies the payload out during the write: once it has completed the buffer can go back.
            // A failed or cancelled write returns nothing (the stream is torn down and its buffers left to the GC), so
            // a buffer can never be reused while a write the client abandoned is still reading it.
            await stream.WriteAsync(message, ct);
            message.Release();
        }
    }

    private const int HttpLogsField = StreamAccessLogsMessage.HttpLogsFieldNumber;
    private const int TcpLogsField = StreamAccessLogsMessage.TcpLogsFieldNumber;

    // Envoy's StreamAccessLogs method with a request marshaller that writes the message Skein encodes itself
    // (Encode): the generated classes size every nested message again at each level of nesting, which for
    // a batch of entries nested four deep was most of the sender's CPU. The wire form is Envoy's.
    private static readonly Method<EncodedMessage, StreamAccessLogsResponse> EncodedStream = new(
        MethodType.ClientStreaming,
        AccessLogService.Descriptor.FullName,
        "StreamAccessLogs",
        Marshallers.Create<EncodedMessage>(static (m, context) =>
        {
            context.SetPayloadLength(m.Payload.Length);
            var writer = context.GetBufferWriter();
            m.Payload.Span.CopyTo(writer.GetSpan(m.Payload.Length));
            writer.Advance(m.Payload.Length);
            context.Complete();
        }, static _ => throw new NotSupportedException("requests are only sent")),
        Marshallers.Create(static (StreamAccessLogsResponse r) => r.ToByteArray(), StreamAccessLogsResponse.Parser.ParseFrom));

    /// <summary>A <c>StreamAccessLogsMessage</c> in its wire form, in a buffer rented from the shared pool.</summary>
    /// <remarks>A message per few dozen records under load: a new array for each was a visible share of a node proxy's allocations.</remarks>
    public sealed class EncodedMessage(byte[] buffer, int length, int entries)
    {
        private byte[]? _buffer = buffer;

        /// <summary>The encoded message.</summary>
        public ReadOnlyMemory<byte> Payload => (_buffer ?? throw new ObjectDisposedException(nameof(EncodedMessage))).AsMemory(0, length);

        /// <summary>The log entries it carries.</summary>
        public int Entries => entries;

        /// <summary>Returns the buffer to the pool; the message is unusable afterwards.</summary>
        public void Release()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } rented)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The wire form of a <c>StreamAccessLogsMessage</c> with <paramref name="identifier"/> (if any) and
    /// <paramref name="entries"/> in the oneof field <paramref name="kindField"/> (<c>http_logs</c> or <c>tcp_logs</c>),
    /// each entry sized once.
    /// </summary>
    public static EncodedMessage Encode<T>(StreamAccessLogsMessage.Types.Identifier? identifier, int kindField, IReadOnlyList<T> entries)
        where T : IMessage
    {
        Span<int> sizes = entries.Count <= 1024 ? stackalloc int[entries.Count] : new int[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            sizes[i] = entries[i].CalculateSize();
        }
        return Encode(identifier, kindField, entries, sizes, 0, entries.Count);
    }

    /// <summary>Messages of at most <see cref="MaxMessageBytes"/> each (one entry more when a single entry is larger), the identifier in the first.</summary>
    /// <remarks>A whole batch in one message was 100–200 KB: every batch a large-object-heap array, garbage only a full
    /// collection frees, which made the large-object heap a visible part of a node proxy's peak RSS under connection churn.</remarks>
    public static List<EncodedMessage> EncodeChunked<T>(StreamAccessLogsMessage.Types.Identifier? identifier, int kindField, IReadOnlyList<T> entries)
        where T : IMessage
    {
        var messages = new List<EncodedMessage>(1);
        Span<int> sizes = entries.Count <= 1024 ? stackalloc int[entries.Count] : new int[entries.Count];
        var start = 0;
        var bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            sizes[i] = entries[i].CalculateSize();
            var entryBytes = 1 + CodedOutputStream.ComputeLengthSize(sizes[i]) + sizes[i];
            if (i > start && bytes + entryBytes > MaxMessageBytes)
            {
                messages.Add(Encode(identifier, kindField, entries, sizes, start, i - start));
                identifier = null;
                start = i;
                bytes = 0;
            }
            bytes += entryBytes;
        }
        if (start < entries.Count)
        {
            messages.Add(Encode(identifier, kindField, entries, sizes, start, entries.Count - start));
        }
        return messages;
    }

    /// <summary>Stays well under the 85,000-byte large-object threshold, with room for the identifier and framing.</summary>
    internal const int MaxMessageBytes = 64 * 1024;

    private static EncodedMessage Encode<T>(StreamAccessLogsMessage.Types.Identifier? identifier, int kindField, IReadOnlyList<T> entries, ReadOnlySpan<int> sizes, int start, int count)
        where T : IMessage
    {
        var inner = 0;
        for (var i = start; i < start + count; i++)
        {
            inner += 1 + CodedOutputStream.ComputeLengthSize(sizes[i]) + sizes[i];
        }

        var identifierSize = identifier?.CalculateSize() ?? 0;
        var total = (identifier is null ? 0 : 1 + CodedOutputStream.ComputeLengthSize(identifierSize) + identifierSize)
            + (count == 0 ? 0 : 1 + CodedOutputStream.ComputeLengthSize(inner) + inner);
        var payload = ArrayPool<byte>.Shared.Rent(total);
        var output = payload.AsSpan(0, total);
        var at = 0;
        if (identifier is not null)
        {
            at += WriteFieldHeader(output[at..], StreamAccessLogsMessage.IdentifierFieldNumber, identifierSize);
            identifier.WriteTo(output.Slice(at, identifierSize));
            at += identifierSize;
        }

        if (count > 0)
        {
            at += WriteFieldHeader(output[at..], kindField, inner);
            for (var i = start; i < start + count; i++)
            {
                // log_entry = 1 in both HTTPAccessLogEntries and TCPAccessLogEntries.
                at += WriteFieldHeader(output[at..], 1, sizes[i]);
                entries[i].WriteTo(output.Slice(at, sizes[i]));
                at += sizes[i];
            }
        }

        if (at != total)
        {
            ArrayPool<byte>.Shared.Return(payload);
            throw new InvalidOperationException($"ALS message encoded to {at} bytes, sized as {total}");
        }

        return new EncodedMessage(payload, total, count);
    }

    /// <summary>Writes a length-delimited field's tag and length (varints); returns the bytes written.</summary>
    private static int WriteFieldHeader(Span<byte> output, int field, int length)
    {
        var written = WriteVarint(output, (uint)((field << 3) | (int)WireFormat.WireType.LengthDelimited));
        return written + WriteVarint(output[written..], (uint)length);
    }

    private static int WriteVarint(Span<byte> output, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            output[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        output[i++] = (byte)value;
        return i;
    }

    /// <summary>One message per kind present in the batch (an ALS message carries entries of a single kind).</summary>
    /// <param name="batch">The records.</param>
    /// <param name="entries">The stream's entry builder; the messages' entries are reused by its next batch, so write them first.</param>
    public static IEnumerable<StreamAccessLogsMessage> Messages(IReadOnlyList<AccessLogRecord> batch, AlsEntries? entries = null)
    {
        entries ??= new AlsEntries();
        entries.Reset();
        var tcp = new StreamAccessLogsMessage.Types.TCPAccessLogEntries();
        var http = new StreamAccessLogsMessage.Types.HTTPAccessLogEntries();
        foreach (var record in batch)
        {
            if (record.IsHttp)
            {
                http.LogEntry.Add(entries.Http(record));
            }
            else
            {
                tcp.LogEntry.Add(entries.Tcp(record));
            }
        }

        if (tcp.LogEntry.Count > 0)
        {
            yield return new StreamAccessLogsMessage { TcpLogs = tcp };
        }

        if (http.LogEntry.Count > 0)
        {
            yield return new StreamAccessLogsMessage { HttpLogs = http };
        }
    }
}
