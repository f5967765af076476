using Skein.Core.Resources;

namespace Skein.Core.Tests;

public class DurationTests
{
    [Theory]
    [InlineData("100ms", 100)]
    [InlineData("5s", 5_000)]
    [InlineData("1m", 60_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2h45m30s250ms", 9_930_250)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    public void ParsesGoStyleDurations(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Fact]
    public void ParsesSubMillisecondUnits()
    {
        Assert.Equal(TimeSpan.FromMicroseconds(1500), Duration.Parse("1ms500us"));
        Assert.Equal(TimeSpan.FromTicks(3), Duration.Parse("300ns"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-5s")]
    [InlineData("5 s")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData("1h 30m")]
    [InlineData("99999999999999h")]
    public void RejectsInvalidDurations(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Duration.Parse(text));
    }

    [Theory]
    [InlineData("1h30m", true)]
    [InlineData("500ms", true)]
    [InlineData("0s", true)]
    [InlineData("1h1m1s1ms", true)]
    [InlineData("1h1m1s1ms1h", false)]
    [InlineData("1.5s", false)]
    [InlineData("123456s", false)]
    [InlineData("0", false)]
    [InlineData("10us", false)]
    public void GatewayApiFormIsStricter(string text, bool valid)
    {
        Assert.Equal(valid, Duration.IsGatewayApiDuration(text));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(100, "100ms")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(61_001, "1m1s1ms")]
    public void FormatsCompactly(long milliseconds, string expected)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(expected, Duration.Format(value));
        Assert.Equal(value, Duration.Parse(Duration.Format(value)));
    }
}
