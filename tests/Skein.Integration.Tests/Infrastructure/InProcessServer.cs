using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>A small Kestrel server inside the test process (a backend or receiver no sample provides), silent, on one endpoint.</summary>
public static class InProcessServer
{
    /// <summary>Starts a server on <paramref name="endPoint"/> whose requests <paramref name="map"/> wires up, speaking <paramref name="protocols"/> (HTTP/2 alone: cleartext h2c, as gRPC backends serve).</summary>
    public static async Task<WebApplication> StartAsync(IPEndPoint endPoint, Action<WebApplication> map, HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endPoint, listen => listen.Protocols = protocols));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
