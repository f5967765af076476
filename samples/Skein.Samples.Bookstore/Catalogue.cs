namespace Skein.Samples.Bookstore;

/// <summary>A book the catalog sells.</summary>
public sealed record Book(int Id, string Title, string Author, decimal Price, double Rating);

/// <summary>The fixed demo data: what the catalog, inventory and reviews services serve.</summary>
public static class Catalogue
{
    /// <summary>Books, in catalog order.</summary>
    public static readonly Book[] Books =
    [
        new(1, "Moby-Dick", "Herman Melville", 12.50m, 4.1),
        new(2, "Pride and Prejudice", "Jane Austen", 9.99m, 4.6),
        new(3, "The Time Machine", "H. G. Wells", 7.25m, 3.9),
        new(4, "Middlemarch", "George Eliot", 14.00m, 4.4),
    ];

    /// <summary>Copies in stock per book id; book 3 is sold out so /buy/3 shows a refusal.</summary>
    public static readonly IReadOnlyDictionary<int, int> Stock = new Dictionary<int, int>
    {
        [1] = 12,
        [2] = 3,
        [3] = 0,
        [4] = 7,
    };

    /// <summary>Reader reviews per book id.</summary>
    public static readonly IReadOnlyDictionary<int, (string Reviewer, string Text)[]> Reviews = new Dictionary<int, (string, string)[]>
    {
        [1] = [("ishmael", "Long, but the whale is worth it."), ("starbuck", "Too much about rope.")],
        [2] = [("lizzy", "Witty from the first line.")],
        [3] = [("weena", "Short and haunting.")],
        [4] = [("dorothea", "A whole town in one book."), ("fred", "Slow start, great finish.")],
    };
}
