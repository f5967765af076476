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

    [Fact]
    public void An_inline_set_resumes_the_waiter_on_the_setting_thread_before_returning()
    {
        var signal = new AsyncSignal();
        var resumedOn = -1;
        var resumes = 0;
        async Task ReaderAsync()
        {
            for (var i = 0; i < 3; i++)
            {
                await signal.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                resumedOn = Environment.CurrentManagedThreadId;
                resumes++;
            }
        }

        var reader = ReaderAsync();
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i - 1, resumes);
            // The continuation re-parks inside Set's call: the next inline Set must find it waiting again.
            signal.Set(inline: true);
            Assert.Equal(i, resumes);
            Assert.Equal(Environment.CurrentManagedThreadId, resumedOn);
        }
        Assert.True(reader.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task An_inline_set_with_nobody_waiting_is_remembered_for_the_next_wait()
    {
        var signal = new AsyncSignal();
        signal.Set(inline: true);
        var wait = signal.WaitAsync(CancellationToken.None);
        Assert.True(wait.IsCompleted);
        await wait;
    }
}
