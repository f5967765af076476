namespace Skein.Conformance.Checks;

/// <summary>How many consecutive passes a check needs and how long it may take to get there.</summary>
public sealed record ConsistencyOptions(int RequiredConsecutive, TimeSpan MaxTime, TimeSpan RetryDelay)
{
    /// <summary>Upstream's rule: 3 passes in a row within 30 s of the manifests being applied.</summary>
    public static ConsistencyOptions Upstream { get; } = new(3, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
}

/// <summary>The outcome of an eventually-consistent check.</summary>
public sealed record ConsistencyResult(bool Passed, int Attempts, string? LastError);

/// <summary>Repeats a check until it passes N times in a row, or time runs out (then the last failure is the reason).</summary>
public static class Consistency
{
    /// <summary>
    /// Runs <paramref name="attempt"/> (null = pass, else the failure) until <see cref="ConsistencyOptions.RequiredConsecutive"/>
    /// consecutive passes; any failure resets the streak. Gives up after <see cref="ConsistencyOptions.MaxTime"/>.
    /// </summary>
    public static async Task<ConsistencyResult> RunAsync(Func<CancellationToken, Task<string?>> attempt, ConsistencyOptions options, TimeProvider time, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var streak = 0;
        var attempts = 0;
        string? lastError = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            attempts++;
            string? error;
            try
            {
                error = await attempt(ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                error = e.GetBaseException().Message;
            }

            if (error is null)
            {
                streak++;
                if (streak >= options.RequiredConsecutive)
                {
                    return new ConsistencyResult(true, attempts, null);
                }
            }
            else
            {
                streak = 0;
                lastError = error;
            }

            if (time.GetElapsedTime(started) >= options.MaxTime)
            {
                return new ConsistencyResult(false, attempts, lastError ?? $"passed only {streak} of {options.RequiredConsecutive} times in a row");
            }

            if (error is not null)
            {
                await Task.Delay(options.RetryDelay, time, ct);
            }
        }
    }
}
