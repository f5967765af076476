using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Skein.Bench;

/// <summary>Latency percentiles of a fixed-rate run, measured from each request's scheduled send time.</summary>
public sealed record LatencyResult(double P50Ms, double P99Ms, double MaxMs, double AchievedRps, long Completed, long Errors);

/// <summary>
/// An open-loop HTTP/1.1 load generator at a fixed request rate. Debian's wrk has no <c>-R</c> (that is
/// wrk2), and a closed-loop tool hides queueing: when a response is late, it simply sends the next request
/// late (coordinated omission). Here one thread sends each request at its scheduled time, round-robin over
/// keep-alive connections with HTTP/1.1 pipelining so a slow response never delays a send, and latency is
/// taken from the scheduled time to the end of the response.
/// </summary>
public static class FixedRateLoad
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: bench\r\n\r\n");

    /// <summary>Runs <paramref name="rps"/> requests per second for <paramref name="seconds"/> over <paramref name="connections"/> connections.</summary>
    public static async Task<LatencyResult> RunAsync(IPEndPoint target, int rps, int seconds, int connections, CancellationToken ct)
    {
        var conns = new Conn[connections];
        for (var i = 0; i < connections; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(target, ct);
            conns[i] = new Conn(s);
        }

        var total = rps * seconds;
        var latencies = new long[total];
        var totals = new Totals();
        var receivers = conns.Select(c => Task.Run(() => c.ReceiveLoopAsync(latencies, totals), ct)).ToArray();
        try
        {
            // One warm-up request per connection, not recorded, so connection setup is not in the numbers.
            foreach (var c in conns)
            {
                c.Pending.Enqueue((-1, Stopwatch.GetTimestamp()));
                c.Socket.Send(Request);
            }

            await Task.Delay(500, ct);
            var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
            var sender = new Thread(() =>
            {
                for (var i = 0; i < total && !ct.IsCancellationRequested; i++)
                {
                    var due = start + (long)i * Stopwatch.Frequency / rps;
                    SleepUntil(due);
                    var c = conns[i % connections];
                    c.Pending.Enqueue((i, due));
                    try
                    {
                        c.Socket.Send(Request);
                    }
                    catch (SocketException)
                    {
                        totals.AddErrors(1);
                    }
                }
            })
            { IsBackground = true, Priority = ThreadPriority.Highest };
            sender.Start();
            await Task.Run(sender.Join, ct);
            var sendEnd = Stopwatch.GetTimestamp();

            // Give late responses up to 5 s before counting the rest as errors.
            var deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
            while (totals.Completed + totals.Errors < total && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(20, ct);
            }

            var done = totals.Completed;
            var lost = total - done;
            var sorted = latencies.Where(l => l > 0).Order().ToArray();
            double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            double Pct(double p) => sorted.Length == 0 ? double.NaN : Ms(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)]);
            var elapsed = (double)(sendEnd - start) / Stopwatch.Frequency;
            return new LatencyResult(Pct(0.50), Pct(0.99), sorted.Length == 0 ? double.NaN : Ms(sorted[^1]), done / Math.Max(elapsed, 1e-9), done, lost);
        }
        finally
        {
            foreach (var c in conns)
            {
                c.Socket.Dispose();
            }

            await Task.WhenAll(receivers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    // Thread.Sleep has millisecond granularity, as coarse as the 1 ms schedule itself; nanosleep wakes within
    // tens of microseconds without spinning a core that the proxies under test need.
    private static void SleepUntil(long due)
    {
        while (true)
        {
            var remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var micros = remaining * 1_000_000 / Stopwatch.Frequency;
            _ = usleep((uint)Math.Max(1, micros - 30));
        }
    }

    [DllImport("libc")]
    private static extern int usleep(uint usec);

    private sealed class Conn(Socket socket)
    {
        public Socket Socket { get; } = socket;

        public ConcurrentQueue<(int Index, long Due)> Pending { get; } = new();

        public async Task ReceiveLoopAsync(long[] latencies, Totals totals)
        {
            try
            {
                await LoopAsync(latencies, totals);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidDataException)
            {
                // The connection ended (at teardown, or an error): requests still pending are counted as lost.
            }
        }

        private async Task LoopAsync(long[] latencies, Totals totals)
        {
            var buffer = new byte[64 * 1024];
            var filled = 0;
            while (true)
            {
                var n = await Socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                filled += n;
                var consumed = 0;
                while (TryParse(buffer.AsSpan(consumed, filled - consumed), out var length, out var ok))
                {
                    consumed += length;
                    var now = Stopwatch.GetTimestamp();
                    if (!Pending.TryDequeue(out var req))
                    {
                        throw new InvalidDataException("response without a request");
                    }

                    if (req.Index < 0)
                    {
                        continue;
                    }

                    if (ok)
                    {
                        latencies[req.Index] = Math.Max(1, now - req.Due);
                        totals.AddCompleted();
                    }
                    else
                    {
                        totals.AddErrors(1);
                    }
                }

                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
            }
        }

        // Parses one complete response (status line, headers, Content-Length body).
        private static bool TryParse(ReadOnlySpan<byte> data, out int length, out bool ok)
        {
            length = 0;
            ok = false;
            var end = data.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return false;
            }

            var head = Encoding.ASCII.GetString(data[..end]);
            var contentLength = 0;
            foreach (var line in head.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (data.Length < end + 4 + contentLength)
            {
                return false;
            }

            length = end + 4 + contentLength;
            ok = head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
            return true;
        }
    }

    private sealed class Totals
    {
        private long _completed;
        private long _errors;

        public long Completed => Interlocked.Read(ref _completed);

        public long Errors => Interlocked.Read(ref _errors);

        public void AddCompleted() => Interlocked.Increment(ref _completed);

        public void AddErrors(long n) => Interlocked.Add(ref _errors, n);
    }
}
