using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>Skein's fault injection (TrafficPolicy): delays and aborts a configured share of requests.</summary>
public static class FaultInjector
{
    /// <summary>Applies the delay if this request is chosen for it, and says whether it was delayed and the abort status if it is to be aborted.</summary>
    public static async ValueTask<FaultResult> ApplyAsync(FaultInjection fault, Random random, CancellationToken ct)
    {
        var decision = Decide(fault, random);
        if (decision.Delay is { } delay)
        {
            await Task.Delay(delay, ct);
        }

        return decision;
    }

    /// <summary>Draws this request's faults: the delay (null: none) and the abort status (null: none).</summary>
    public static FaultResult Decide(FaultInjection fault, Random random)
    {
        var delay = fault.Delay?.ToTimeSpan() ?? TimeSpan.Zero;
        var delayed = delay > TimeSpan.Zero && Chosen(fault.DelayPercent, random);
        var abort = fault.AbortStatus is >= 200 and <= 599 && Chosen(fault.AbortPercent, random) ? (int?)fault.AbortStatus : null;
        return new FaultResult(delayed ? delay : null, abort);
    }

    /// <summary>Whether a request falls in the <paramref name="percent"/> share (0..100).</summary>
    public static bool Chosen(double percent, Random random) => percent >= 100 || (percent > 0 && random.NextDouble() * 100 < percent);
}

/// <summary>A request's injected faults: the delay applied (null: none) and the abort status (null: none).</summary>
public readonly record struct FaultResult(TimeSpan? Delay, int? AbortStatus);
