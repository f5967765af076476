using Skein.Proxy.Hbone;

namespace Skein.Hbone.Tests;

/// <summary>The reader's wake-up signal honours the token of each wait, and only that one.</summary>
public class AsyncSignalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_token_cancelled_between_waits_cancels_the_next_wait_at_once()
    {
        var signal = new AsyncSignal();
        using var cts = new CancellationTokenSource();
        var first = signal.WaitAsync(cts.Token);
        signal.Set();
        await first.AsTask().WaitAsync(Timeout);

        // Cancelled while nobody waits: the standing registration sees no waiter, so the next wait must notice itself.
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signal.WaitAsync(cts.Token).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task The_same_token_cancels_a_later_wait_through_the_kept_registration()
    {
        var signal = new AsyncSignal();
        using var cts = new CancellationTokenSource();
        for (var i = 0; i < 3; i++)
        {
            var wait = signal.WaitAsync(cts.Token);
            signal.Set();
            await wait.AsTask().WaitAsync(Timeout);
        }

        var parked = signal.WaitAsync(cts.Token).AsTask();
        Assert.False(parked.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parked.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_previous_token_no_longer_cancels_a_wait_on_another_token()
    {
        var signal = new AsyncSignal();
        using var old = new CancellationTokenSource();
        var first = signal.WaitAsync(old.Token);
        signal.Set();
        await first.AsTask().WaitAsync(Timeout);

        var parked = signal.WaitAsync(CancellationToken.None).AsTask();
        old.Cancel();
        await Task.Delay(50);
        Assert.False(parked.IsCompleted, "cancelling the old token ended a wait that did not use it");
        signal.Set();
        await parked.WaitAsync(Timeout);
    }
}
