using System.Globalization;
using System.Text.RegularExpressions;

namespace Skein.Samples.Echo;

/// <summary>Parses the ?delay= query value: a number with unit ms, s or m (e.g. "200ms", "1.5s").</summary>
public static partial class Delay
{
    /// <summary>True when <paramref name="text"/> is a valid non-negative delay.</summary>
    public static bool TryParse(string? text, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        var match = text is null ? null : Pattern().Match(text);
        if (match is not { Success: true })
        {
            return false;
        }

        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        delay = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            _ => TimeSpan.FromMinutes(amount),
        };
        return true;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m)$")]
    private static partial Regex Pattern();
}
