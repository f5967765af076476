using System.Collections.Concurrent;

namespace Skein.Control.Ca;

/// <summary>What the CA has done, for metrics and the API.</summary>
public sealed class CaStatistics
{
    private long _issued;
    private long _denied;
    private long _nearestExpiryTicks = long.MaxValue;
    private readonly ConcurrentDictionary<(string Identity, string Node), DateTimeOffset> _latest = new();

    /// <summary>The latest certificate issued per (identity, node), still valid, soonest expiry first.</summary>
    public IReadOnlyList<IssuedCertificate> Certificates =>
        _latest.Where(p => p.Value > DateTimeOffset.UtcNow)
            .Select(p => new IssuedCertificate(p.Key.Identity, p.Key.Node, p.Value))
            .OrderBy(c => c.NotAfter).ThenBy(c => c.Identity, StringComparer.Ordinal).ToList();

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

    internal void Issued(DateTime notAfter, string identity, string node)
    {
        Interlocked.Increment(ref _issued);
        _latest[(identity, node)] = new DateTimeOffset(notAfter.ToUniversalTime(), TimeSpan.Zero);
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

/// <summary>A workload certificate the CA issued to a node.</summary>
public sealed record IssuedCertificate(string Identity, string Node, DateTimeOffset NotAfter);
