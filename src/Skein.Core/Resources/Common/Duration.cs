using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Skein.Core.Resources;

/// <summary>Parses and formats durations written the Go / Gateway API way ("100ms", "5s", "1h30m").</summary>
public static partial class Duration
{
    /// <summary>Parses a duration; throws <see cref="FormatException"/> when it is not valid.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"\"{text}\" is not a valid duration");

    /// <summary>Parses a Go-style duration: one or more (number, unit) groups, units h, m, s, ms, us, µs, ns; "0" alone is zero.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var match = GoDuration().Match(text);
        if (!match.Success)
        {
            return false;
        }

        // Sum in decimal so "1.5h" and many groups stay exact and overflow is caught.
        decimal ticks = 0;
        var numbers = match.Groups["n"].Captures;
        var units = match.Groups["u"].Captures;
        for (var i = 0; i < numbers.Count; i++)
        {
            if (!decimal.TryParse(numbers[i].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            ticks += n * TicksPer(units[i].Value);
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)decimal.Round(ticks));
        return true;
    }

    /// <summary>True when the text satisfies the stricter Gateway API (GEP-2257) form, e.g. "1h30m", "500ms".</summary>
    public static bool IsGatewayApiDuration(string? text) =>
        !string.IsNullOrEmpty(text) && GatewayDuration().IsMatch(text);

    /// <summary>Formats a non-negative duration as "1h30m", "250ms", "0s".</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "durations are non-negative");
        }

        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        var ticks = value.Ticks;
        Append(sb, ref ticks, TimeSpan.TicksPerHour, "h");
        Append(sb, ref ticks, TimeSpan.TicksPerMinute, "m");
        Append(sb, ref ticks, TimeSpan.TicksPerSecond, "s");
        Append(sb, ref ticks, TimeSpan.TicksPerMillisecond, "ms");
        Append(sb, ref ticks, TimeSpan.TicksPerMicrosecond, "us");
        if (ticks > 0)
        {
            sb.Append((ticks * 100).ToString(CultureInfo.InvariantCulture)).Append("ns");
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ref long ticks, long unit, string suffix)
    {
        var count = ticks / unit;
        if (count > 0)
        {
            sb.Append(count.ToString(CultureInfo.InvariantCulture)).Append(suffix);
            ticks -= count * unit;
        }
    }

    private static decimal TicksPer(string unit) => unit switch
    {
        "h" => TimeSpan.TicksPerHour,
        "m" => TimeSpan.TicksPerMinute,
        "s" => TimeSpan.TicksPerSecond,
        "ms" => TimeSpan.TicksPerMillisecond,
        "us" or "µs" => TimeSpan.TicksPerMicrosecond,
        "ns" => 0.01m,
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    [GeneratedRegex(@"^(?:(?<n>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?<u>ms|us|µs|ns|h|m|s))+$", RegexOptions.CultureInvariant)]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"^(?:[0-9]{1,5}(?:h|ms|m|s)){1,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex GatewayDuration();
}
