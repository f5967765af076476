namespace Skein.Samples.Bookstore.Apps;

/// <summary>Maps the endpoints of whichever bookstore service --app selected.</summary>
public static class BookstoreApps
{
    /// <summary>Adds <paramref name="options"/>.App's routes to <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, BookstoreOptions options)
    {
        switch (options.App)
        {
            case "frontend":
                FrontendApp.Map(app, options);
                break;
            case "catalog":
                CatalogApp.Map(app, options);
                break;
            case "inventory":
                InventoryApp.Map(app, options);
                break;
            case "reviews":
                ReviewsApp.Map(app, options);
                break;
            case "payments":
                PaymentsApp.Map(app, options);
                break;
            default:
                throw new InvalidOperationException($"unknown app {options.App}");
        }
    }
}
