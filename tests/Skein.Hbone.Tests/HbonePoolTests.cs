using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Skein.Proxy.Hbone;
using Skein.Proxy.Pool;

namespace Skein.Hbone.Tests;

/// <summary>The HBONE pool over real connections: reuse, spreading a busy key over more connections, and its limits.</summary>
public sealed class HbonePoolTests : IAsyncLifetime
{
    private static readonly HbonePoolKey Key = new("spiffe://td/ns/a/sa/a", "spiffe://td/ns/b/sa/b", null, new IPEndPoint(IPAddress.Loopback, 15008));
    private readonly List<HboneHarness> _harnesses = [];
    private readonly List<HboneStream> _streams = [];
    private int _dials;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var stream in _streams)
        {
            await stream.DisposeAsync();
        }

        foreach (var harness in _harnesses)
        {
            await harness.DisposeAsync();
        }
    }

    private async Task<HboneClientConnection> DialAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _dials);
        var harness = await HboneHarness.StartAsync(HboneHarness.EchoHandler);
        lock (_harnesses)
        {
            _harnesses.Add(harness);
        }

        return harness.Client;
    }

    private static Task<HboneClientConnection> FailingDialAsync(CancellationToken ct) => throw new IOException("connection refused");

    private async Task<HboneClientConnection> OpenAsync(HbonePool pool, Func<CancellationToken, Task<HboneClientConnection>> dial)
    {
        var connection = await pool.GetAsync(Key, dial, CancellationToken.None);
        _streams.Add(await connection.OpenTunnelAsync("10.0.0.1:80"));
        return connection;
    }

    private static async Task WaitForCountAsync(HbonePool pool, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (pool.Count < count)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task StreamsBelowTheThresholdShareOneConnection()
    {
        await using var pool = new HbonePool(NullLogger<HbonePool>.Instance) { ConnectionsPerKey = 4, SpreadThreshold = 8 };
        var first = await OpenAsync(pool, DialAsync);
        for (var i = 0; i < 7; i++)
        {
            Assert.Same(first, await OpenAsync(pool, DialAsync));
        }

        Assert.Equal(1, pool.Count);
        Assert.Equal(1, _dials);
    }

    [Fact]
    public async Task ABusyKeyIsSpreadOverAnotherConnectionAndNewStreamsGoToTheLeastLoaded()
    {
        await using var pool = new HbonePool(NullLogger<HbonePool>.Instance) { ConnectionsPerKey = 2, SpreadThreshold = 2 };
        var first = await OpenAsync(pool, DialAsync);
        Assert.Same(first, await OpenAsync(pool, DialAsync));

        // The third caller finds two streams on the only connection: it still gets that one at once, and a second is dialled behind it.
        Assert.Same(first, await OpenAsync(pool, DialAsync));
        await WaitForCountAsync(pool, 2);

        var second = await OpenAsync(pool, DialAsync);
        Assert.NotSame(first, second);
        Assert.Equal(3, first.ActiveStreams);
        Assert.Equal(1, second.ActiveStreams);

        // Both tunnels carry bytes end to end.
        foreach (var stream in _streams.TakeLast(2))
        {
            await stream.WriteAsync("ping"u8.ToArray());
            var buffer = new byte[4];
            await stream.ReadExactlyAsync(buffer);
            Assert.Equal("ping"u8.ToArray(), buffer);
        }
    }

    [Fact]
    public async Task SpreadingStopsAtConnectionsPerKey()
    {
        await using var pool = new HbonePool(NullLogger<HbonePool>.Instance) { ConnectionsPerKey = 2, SpreadThreshold = 1 };
        for (var i = 0; i < 20; i++)
        {
            await OpenAsync(pool, DialAsync);
            if (i == 1)
            {
                await WaitForCountAsync(pool, 2);
            }
        }

        // A background dial counts itself before its first await, so one started by the last caller is already counted.
        Assert.Equal(2, pool.Count);
        Assert.Equal(2, _dials);
    }

    [Fact]
    public async Task AFailedExtraConnectionLeavesCallersOnTheExistingOne()
    {
        await using var pool = new HbonePool(NullLogger<HbonePool>.Instance) { ConnectionsPerKey = 2, SpreadThreshold = 1 };
        var first = await OpenAsync(pool, DialAsync);
        for (var i = 0; i < 5; i++)
        {
            Assert.Same(first, await OpenAsync(pool, FailingDialAsync));
        }

        Assert.Equal(1, pool.Count);
        Assert.Equal(6, first.ActiveStreams);
    }
}
