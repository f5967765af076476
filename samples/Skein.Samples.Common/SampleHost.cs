using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Skein.Samples.Common;

/// <summary>Builds the Kestrel host every sample shares: explicit binds, quiet logs, optional parent watch.</summary>
public static class SampleHost
{
    /// <summary>Creates a builder listening on <paramref name="listen"/> with HTTP/1.1 and h2c (prior knowledge).</summary>
    public static WebApplicationBuilder CreateBuilder(IEnumerable<IPEndPoint> listen, int? parentPid) => CreateBuilder(listen, parentPid, null);

    /// <summary>
    /// As <see cref="CreateBuilder(IEnumerable{IPEndPoint}, int?)"/>, with each endpoint set up by
    /// <paramref name="configureEndpoint"/> instead of HTTP/1.1 + h2c (e.g. a raw TCP connection handler).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(IEnumerable<IPEndPoint> listen, int? parentPid, Action<ListenOptions>? configureEndpoint)
    {
        // No args: the samples parse their own command line, so it must not leak into configuration.
        var builder = WebApplication.CreateSlimBuilder();

        // Warnings only, so the demo console stays readable when many apps share it.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Demos and tests kill apps often; do not wait 30 s for in-flight (possibly delayed) requests.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var endpoint in listen)
            {
                kestrel.Listen(endpoint, o =>
                {
                    if (configureEndpoint is null)
                    {
                        o.UseHttp1AndH2c();
                    }
                    else
                    {
                        configureEndpoint(o);
                    }
                });
            }
        });

        if (parentPid is int pid)
        {
            builder.Services.AddHostedService(sp => new ParentProcessWatch(pid, sp.GetRequiredService<IHostApplicationLifetime>()));
        }

        return builder;
    }

    /// <summary>Runs <paramref name="main"/>, turning a <see cref="UsageException"/> into exit code 2 with usage text.</summary>
    public static int Run(string usage, Func<int> main)
    {
        try
        {
            return main();
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(usage);
            return 2;
        }
    }
}
