using Skein.Proxy.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

/// <summary>The ALS sender's batch gate: it opens at the threshold or when the interval is up, and a stale wake-up does not open it early.</summary>
public sealed class AlsBatchGateTests
{
    private static readonly TimeSpan Forever = TimeSpan.FromHours(1);

    [Fact]
    public async Task Opens_when_the_record_that_reaches_the_threshold_is_added()
    {
        var gate = new AlsBatchGate(threshold: 4);
        for (var i = 0; i < 3; i++)
        {
            gate.Added();
        }

        var wait = gate.WaitAsync(Forever, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        gate.Added();
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Does_not_wait_when_a_batch_is_already_queued()
    {
        var gate = new AlsBatchGate(threshold: 2);
        gate.Added();
        gate.Added();
        gate.Added();

        var wait = gate.WaitAsync(Forever, CancellationToken.None);
        Assert.True(wait.IsCompleted);
        Assert.True(await wait);
    }

    [Fact]
    public async Task Below_the_threshold_the_interval_ends_the_wait()
    {
        var gate = new AlsBatchGate(threshold: 100);
        gate.Added();

        Assert.False(await gate.WaitAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, gate.Pending);
    }

    [Fact]
    public async Task A_wake_up_from_the_last_batch_does_not_open_the_next_wait()
    {
        var gate = new AlsBatchGate(threshold: 2);
        gate.Added();
        gate.Added(); // wakes the sender for this batch
        gate.Taken(2);

        gate.Added();
        var wait = gate.WaitAsync(Forever, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        gate.Added();
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, gate.Pending);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait()
    {
        var gate = new AlsBatchGate(threshold: 10);
        using var cts = new CancellationTokenSource();
        var wait = gate.WaitAsync(Forever, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
