using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Filters;
using Skein.Proxy.L7.Resilience;

namespace Skein.Unit.Tests.L7.Resilience;

public sealed class LimitsTests
{
    [Fact]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(2, 3, time);
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromHours(1)); // refills to the burst, never beyond
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => bucket.TryTake()));
    }

    [Fact]
    public async Task Max_requests_overflows_at_once()
    {
        var pool = new ConnectionPoolLimiter(new ResilienceConnectionPool { MaxRequests = 2 });
        var (first, _) = await pool.EnterAsync(holdsConnection: false, CancellationToken.None);
        var (second, _) = await pool.EnterAsync(holdsConnection: false, CancellationToken.None);
        var (third, overflow) = await pool.EnterAsync(holdsConnection: false, CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Contains("maxRequests", overflow, StringComparison.Ordinal);
        first!.Dispose();
        first.Dispose(); // twice frees once
        var (again, _) = await pool.EnterAsync(holdsConnection: false, CancellationToken.None);
        Assert.NotNull(again);
        Assert.Equal(2, pool.Active);
    }

    [Fact]
    public async Task Requests_wait_for_a_connection_up_to_max_pending_then_overflow()
    {
        var pool = new ConnectionPoolLimiter(new ResilienceConnectionPool { MaxConnections = 1, MaxPendingRequests = 1 });
        var (holder, _) = await pool.EnterAsync(holdsConnection: true, CancellationToken.None);
        var waiting = pool.EnterAsync(holdsConnection: true, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, pool.Pending);
        var (refused, overflow) = await pool.EnterAsync(holdsConnection: true, CancellationToken.None);
        Assert.Null(refused);
        Assert.Contains("maxPendingRequests", overflow, StringComparison.Ordinal);

        // HTTP/2 requests share connections: only maxRequests applies to them.
        var (multiplexed, _) = await pool.EnterAsync(holdsConnection: false, CancellationToken.None);
        Assert.NotNull(multiplexed);

        holder!.Dispose();
        var (handedOver, _) = await waiting;
        Assert.NotNull(handedOver);
        Assert.Equal(0, pool.Pending);
        Assert.Equal(2, pool.Active);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_and_the_connection_goes_to_the_next()
    {
        var pool = new ConnectionPoolLimiter(new ResilienceConnectionPool { MaxConnections = 1 });
        var (holder, _) = await pool.EnterAsync(holdsConnection: true, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var gone = pool.EnterAsync(holdsConnection: true, cancel.Token).AsTask();
        var next = pool.EnterAsync(holdsConnection: true, CancellationToken.None).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        holder!.Dispose();
        var (lease, _) = await next;
        Assert.NotNull(lease);
        lease!.Dispose();
        Assert.Equal(0, pool.Active);
        var (fresh, _) = await pool.EnterAsync(holdsConnection: true, CancellationToken.None);
        Assert.NotNull(fresh);
    }

    [Fact]
    public void Fault_percentages_choose_that_share_of_requests()
    {
        var fault = new FaultInjection { Delay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), DelayPercent = 25, AbortStatus = 503, AbortPercent = 10 };
        var random = new Random(42);
        const int N = 20_000;
        var delayed = 0;
        var aborted = 0;
        for (var i = 0; i < N; i++)
        {
            var result = FaultInjector.Decide(fault, random);
            delayed += result.Delay is not null ? 1 : 0;
            aborted += result.AbortStatus == 503 ? 1 : 0;
        }

        Assert.InRange(delayed / (double)N, 0.24, 0.26);
        Assert.InRange(aborted / (double)N, 0.09, 0.11);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, true)]
    public void Zero_and_hundred_percent_are_exact(double percent, bool chosen)
    {
        var random = new Random(1);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Equal(chosen, FaultInjector.Chosen(percent, random)));
    }

    [Fact]
    public void A_fault_without_a_usable_status_never_aborts()
    {
        var result = FaultInjector.Decide(new FaultInjection { AbortPercent = 100 }, new Random(1));
        Assert.Null(result.AbortStatus);
        Assert.Null(result.Delay);
    }
}
