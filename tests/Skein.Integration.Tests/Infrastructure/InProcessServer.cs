using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Skein.Integration.Tests.Infrastructure;

/// <summary>A small Kestrel server inside the test process (a backend or receiver no sample provides), silent, on one endpoint.</summary>
public static class InProcessServer
{
    /// <summary>Starts a server on <paramref name="endPoint"/> whose requests <paramref name="map"/> wires up.</summary>
    public static async Task<WebApplication> StartAsync(IPEndPoint endPoint, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endPoint));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
