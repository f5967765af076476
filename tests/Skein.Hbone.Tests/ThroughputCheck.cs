using System.Diagnostics;
using Skein.Proxy.Hbone;
using Xunit.Abstractions;

namespace Skein.Hbone.Tests;

/// <summary>Runs only when SKEIN_HBONE_BENCH=1: marks a fact as a by-hand measurement rather than a CI test.</summary>
public sealed class ThroughputFactAttribute : FactAttribute
{
    public ThroughputFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SKEIN_HBONE_BENCH") != "1")
        {
            Skip = "throughput check; run with SKEIN_HBONE_BENCH=1";
        }
    }
}

/// <summary>One tunnel over TLS 1.3 on loopback, compared with a bare SslStream (DESIGN §6: Kestrel ~2.7, SslStream ~9–10 Gbit/s).</summary>
public class ThroughputCheck(ITestOutputHelper output)
{
    private const long Total = 1L << 30;
    private static readonly int WriteSize = int.TryParse(Environment.GetEnvironmentVariable("SKEIN_HBONE_BENCH_WRITE"), out var size) ? size : 64 * 1024;

    [ThroughputFact]
    public async Task Bare_sslstream_one_direction()
    {
        var (client, server) = await HboneHarness.ConnectAsync(tls: true);
        await using var _c = client;
        await using var _s = server;
        Report("bare SslStream", await MeasureAsync(client, server, null));
    }

    [ThroughputFact]
    public async Task Hbone_tunnel_over_tls_one_direction()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request => accepted.SetResult(await request.AcceptAsync()), tls: true);
        await using var tunnel = await h.Client.OpenTunnelAsync("bench:1");
        var serverSide = await accepted.Task;
        Report("HBONE tunnel (TLS)", await MeasureAsync(tunnel, serverSide, tunnel.CloseWrite));
    }

    [ThroughputFact]
    public async Task Hbone_tunnel_over_h2c_one_direction()
    {
        var accepted = new TaskCompletionSource<HboneStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await HboneHarness.StartAsync(async request => accepted.SetResult(await request.AcceptAsync()), tls: false);
        await using var tunnel = await h.Client.OpenTunnelAsync("bench:1");
        var serverSide = await accepted.Task;
        Report("HBONE tunnel (h2c)", await MeasureAsync(tunnel, serverSide, tunnel.CloseWrite));
    }

    /// <summary>Sends a 256 MiB warm-up (JIT, pools, TCP windows), then times <see cref="Total"/> octets from first write to last read.</summary>
    private static async Task<TimeSpan> MeasureAsync(Stream writer, Stream reader, Action? closeWrite)
    {
        const long warmup = 256L << 20;
        var data = new byte[WriteSize];
        new Random(7).NextBytes(data);
        var send = Task.Run(async () =>
        {
            for (long sent = 0; sent < warmup + Total; sent += WriteSize)
            {
                await writer.WriteAsync(data);
            }
            closeWrite?.Invoke();
        });
        var buffer = new byte[WriteSize];
        long received = 0;
        var started = new Stopwatch();
        while (received < warmup + Total)
        {
            if (received >= warmup && !started.IsRunning)
            {
                s_allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                s_gen0Before = GC.CollectionCount(0);
                started.Start();
            }
            var n = await reader.ReadAsync(buffer);
            Assert.True(n > 0);
            received += n;
        }
        started.Stop();
        s_allocated = GC.GetTotalAllocatedBytes(precise: true) - s_allocatedBefore;
        s_gen0 = GC.CollectionCount(0) - s_gen0Before;
        await send;
        return started.Elapsed;
    }

    private static long s_allocatedBefore;
    private static long s_allocated;
    private static int s_gen0Before;
    private static int s_gen0;

    private void Report(string what, TimeSpan elapsed)
    {
        var gbps = Total * 8 / elapsed.TotalSeconds / 1e9;
        var line = $"{what}: {Total >> 20} MiB in {elapsed.TotalSeconds:F2} s = {gbps:F2} Gbit/s ({WriteSize >> 10} KiB writes; {s_allocated / 1024} KiB allocated, {s_gen0} gen0 GCs, process-wide)";
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
