using Skein.Control.Telemetry;

namespace Skein.Unit.Tests.Telemetry;

public sealed class StringPoolTests
{
    [Fact]
    public void Equal_strings_come_back_as_one_instance()
    {
        var pool = new StringPool(16);
        var first = pool.Share(new string("bookstore/reviews-v1".AsSpan()));
        var second = pool.Share(new string("bookstore/reviews-v1".AsSpan()));

        Assert.Equal("bookstore/reviews-v1", second);
        Assert.Same(first, second);
        Assert.Null(pool.Share(null));
    }

    [Fact]
    public void A_full_pool_starts_over_instead_of_growing()
    {
        var pool = new StringPool(4);
        var early = pool.Share(new string("name-0".AsSpan()));
        for (var i = 1; i < 10; i++)
        {
            pool.Share($"name-{i}");
        }

        // Forgotten when the pool filled up: a new instance is taken (and still equal).
        var again = pool.Share(new string("name-0".AsSpan()));
        Assert.Equal(early, again);
        Assert.NotSame(early, again);
    }
}
