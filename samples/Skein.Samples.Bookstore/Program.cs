using Skein.Samples.Bookstore;
using Skein.Samples.Bookstore.Apps;
using Skein.Samples.Common;

const string Usage = """
    usage: Skein.Samples.Bookstore --app frontend|catalog|inventory|reviews|payments --listen IP:PORT
             [--version v1] [--namespace bookstore] [--upstream NAME=URL]... [--parent-pid PID]
      An upstream without --upstream is reached at http://NAME.NAMESPACE:8080 (through the mesh).
    """;

return SampleHost.Run(Usage, () =>
{
    var parsed = SampleArgs.Parse(args, "app", "version", "listen", "namespace", "upstream", "parent-pid");
    var options = BookstoreOptions.From(parsed);

    var builder = SampleHost.CreateBuilder(parsed.ListenEndpoints(), parsed.ParentPid());
    builder.Services.AddSingleton(options);
    // A plain client keeps the default proxy, so ALL_PROXY=socks5://… sends upstream calls through the mesh.
    // An L4 mesh balances connections, not requests: recycling pooled connections every couple of
    // seconds lets traffic spread across endpoints (catalog v1 and v2) and follow endpoint changes.
    builder.Services.AddSingleton(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(10) });
    builder.Services.AddSingleton<Dependencies>();

    var app = builder.Build();
    app.UseDependencyErrors(options);
    app.MapGet("/healthz", () => Replies.Json(options.NewReply()));
    BookstoreApps.Map(app, options);
    app.Run();
    return 0;
});
