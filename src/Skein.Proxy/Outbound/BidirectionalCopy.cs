using System.Buffers;
using System.Net.Sockets;
using Skein.Proxy.Hbone;

namespace Skein.Proxy.Outbound;

/// <summary>Copies bytes both ways with pooled buffers, propagating half-close so request/response protocols finish cleanly.</summary>
public static class BidirectionalCopy
{
    private const int BufferSize = 32 * 1024;

    /// <summary>Returns the bytes sent from client to upstream and from upstream to client.</summary>
    /// <remarks>Counters are updated per chunk so long-lived connections show their bytes while still open.</remarks>
    public static async Task<(long Sent, long Received)> RunAsync(Stream client, Stream upstream, Tally sentCounter, Tally receivedCounter, CancellationToken ct)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = PumpAsync(client, upstream, sentCounter, abort);
        var down = PumpAsync(upstream, client, receivedCounter, abort);
        await Task.WhenAll(up, down);
        return (up.Result, down.Result);
    }

    private static async Task<long> PumpAsync(Stream from, Stream to, Tally counter, CancellationTokenSource abort)
    {
        // Park on a zero-byte read and hold a buffer only while bytes are moving, as Kestrel does: an idle
        // connection then costs no buffer, and a burst of short-lived connections stays inside the shared
        // pool's per-core cache instead of renting past it (every overflow was a fresh 32 KiB allocation).
        // After a read that filled the buffer more is usually queued, so the buffer is kept for the next read.
        byte[]? buffer = null;
        long total = 0;
        if (from is HboneStream tunnel)
        {
            // This pump only hands each read to an async write, so it may run on the tunnel's read loop when data
            // arrives: no thread-pool hop per received frame (see HboneStream.CompleteReadsInline).
            tunnel.CompleteReadsInline = true;
        }
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // A zero-byte read only waits; whatever it returns, the sized read below does the work.
                    _ = await from.ReadAsync(Memory<byte>.Empty, abort.Token);
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                }

                var n = await from.ReadAsync(buffer.AsMemory(0, BufferSize), abort.Token);
                if (n == 0)
                {
                    ShutdownWrite(to);
                    return total;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), abort.Token);
                total += n;
                counter.Add(n);
                if (n < BufferSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset on one side ends the other side too.
            abort.Cancel();
            return total;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void ShutdownWrite(Stream stream)
    {
        try
        {
            if (stream is NetworkStream ns)
            {
                ns.Socket.Shutdown(SocketShutdown.Send);
            }
            else if (stream is IHalfClosable half)
            {
                half.CloseWrite();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>A stream that can end its write side while still reading (a TCP FIN, an HTTP/2 END_STREAM).</summary>
public interface IHalfClosable
{
    void CloseWrite();
}

/// <summary>Up to two counters fed by the same byte stream (Envoy-style stats and Istio metrics) without allocating.</summary>
public readonly record struct Tally(Telemetry.Counter? First, Telemetry.Counter? Second = null)
{
    public void Add(long n)
    {
        First?.Add(n);
        Second?.Add(n);
    }
}
