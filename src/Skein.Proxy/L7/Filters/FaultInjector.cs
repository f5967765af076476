using Skein.Core.Protos.Skein;

namespace Skein.Proxy.L7.Filters;

/// <summary>Skein's fault injection (TrafficPolicy): delays and aborts a configured share of requests.</summary>
public static class FaultInjector
{
    /// <summary>Applies the delay if this request is chosen; returns the abort status if this request is to be aborted, else null.</summary>
    public static async ValueTask<int?> ApplyAsync(FaultInjection fault, CancellationToken ct)
    {
        var delay = fault.Delay?.ToTimeSpan() ?? TimeSpan.Zero;
        if (delay > TimeSpan.Zero && Chosen(fault.DelayPercent))
        {
            await Task.Delay(delay, ct);
        }

        return fault.AbortStatus is >= 200 and <= 599 && Chosen(fault.AbortPercent) ? (int)fault.AbortStatus : null;
    }

    private static bool Chosen(double percent) => percent >= 100 || (percent > 0 && Random.Shared.NextDouble() * 100 < percent);
}
