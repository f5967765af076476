using System.Collections.Concurrent;

namespace Skein.Samples.Echo;

/// <summary>What the retry simulation decided for one request.</summary>
public enum RetryVerdict
{
    /// <summary>No simulation asked for, or the request is past its failures: echo as usual.</summary>
    Echo,

    /// <summary>Answer with the configured status code.</summary>
    FailWithStatus,

    /// <summary>Reset the connection (no responseCode given: a connection error).</summary>
    ResetConnection,
}

/// <summary>
/// The echo contract's retry simulation (?uuid=&amp;succeedAfter=N[&amp;responseCode=C][&amp;delayRetry=D]): the first N
/// requests carrying one uuid fail (with C, or with a connection reset when C is absent), each after D; later ones
/// succeed. A client regenerates the uuid per probe, so each probe counts the gateway's retries on its own.
/// </summary>
public sealed class RetrySimulation
{
    // Bounded so a long-running echo cannot grow without limit; probes are short-lived.
    private const int MaxTracked = 10_000;
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);

    /// <summary>Counts the request and says how to answer it; <paramref name="delay"/> applies to failures only.</summary>
    public RetryVerdict Decide(IQueryCollection query, out int status, out TimeSpan delay)
    {
        status = 0;
        delay = TimeSpan.Zero;
        if (!query.TryGetValue("uuid", out var uuid) || !int.TryParse(query["succeedAfter"], out var succeedAfter))
        {
            return RetryVerdict.Echo;
        }

        if (_seen.Count > MaxTracked)
        {
            _seen.Clear();
        }

        var attempt = _seen.AddOrUpdate(uuid.ToString(), 1, (_, n) => n + 1);
        if (attempt > succeedAfter)
        {
            return RetryVerdict.Echo;
        }

        if (query.TryGetValue("delayRetry", out var delayText) && Delay.TryParse(delayText.ToString(), out var parsed))
        {
            delay = parsed;
        }

        if (int.TryParse(query["responseCode"], out var code) && code is >= 200 and <= 599)
        {
            status = code;
            return RetryVerdict.FailWithStatus;
        }

        return RetryVerdict.ResetConnection;
    }
}
