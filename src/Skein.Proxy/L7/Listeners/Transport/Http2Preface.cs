using System.Buffers;
using System.IO.Pipelines;

namespace Skein.Proxy.L7.Listeners.Transport;

/// <summary>Tells HTTP/2 with prior knowledge from HTTP/1.1 by the connection's first bytes, without consuming them.</summary>
public static class Http2Preface
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>True when the client opened with the HTTP/2 connection preface; false as soon as a byte differs or the client closes.</summary>
    public static async ValueTask<bool> DetectAsync(PipeReader input, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct);
            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var head = buffer.Slice(0, length).ToArray();
            var matches = head.AsSpan().SequenceEqual(Preface.AsSpan(0, length));
            var decided = !matches || length == Preface.Length || result.IsCompleted || result.IsCanceled;
            // Nothing is consumed, so Kestrel reads every byte. Undecided, everything is marked examined so the
            // next read waits for more bytes; decided, nothing is, so Kestrel's first read returns at once.
            input.AdvanceTo(buffer.Start, decided ? buffer.Start : buffer.End);
            if (decided)
            {
                return matches && length == Preface.Length;
            }
        }
    }
}
