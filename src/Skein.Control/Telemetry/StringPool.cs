using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Skein.Control.Telemetry;

/// <summary>Shares one instance of each recurring string (workload names, principals, flags) among the records that carry it.</summary>
/// <remarks>
/// Not <see cref="string.Intern"/>: that table never forgets, and names come from the wire. This one is bounded
/// and starts over when full, which at worst costs a few duplicate strings.
/// </remarks>
public sealed class StringPool(int capacity)
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);

    // Kept apart because ConcurrentDictionary.Count takes every lock of the table.
    private int _count;

    /// <summary>The pooled instance equal to <paramref name="value"/> (added if new); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public string? Share(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            _strings.Clear();
            Volatile.Write(ref _count, 0);
        }

        if (_strings.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }

        return _strings.GetValueOrDefault(value, value);
    }
}
