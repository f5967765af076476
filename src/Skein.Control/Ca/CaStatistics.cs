namespace Skein.Control.Ca;

/// <summary>What the CA has done, for metrics and the API.</summary>
public sealed class CaStatistics
{
    private long _issued;
    private long _denied;
    private long _nearestExpiryTicks = long.MaxValue;

    public long IssuedCount => Interlocked.Read(ref _issued);

    public long DeniedCount => Interlocked.Read(ref _denied);

    /// <summary>The earliest expiry among certificates issued in the last day (a lower bound on what proxies hold).</summary>
    public DateTimeOffset? NearestExpiry
    {
        get
        {
            var ticks = Interlocked.Read(ref _nearestExpiryTicks);
            return ticks == long.MaxValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    internal void Issued(DateTime notAfter)
    {
        Interlocked.Increment(ref _issued);
        var ticks = notAfter.ToUniversalTime().Ticks;
        long current;
        do
        {
            current = Interlocked.Read(ref _nearestExpiryTicks);
            // Forget expiries that have passed: those certificates were renewed or their holders are gone.
            if (current != long.MaxValue && current > DateTime.UtcNow.Ticks && current <= ticks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _nearestExpiryTicks, ticks, current) != current);
    }

    internal void Denied() => Interlocked.Increment(ref _denied);
}
