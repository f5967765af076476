using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Skein.Core.Hosting;

namespace Skein.Cli.Commands;

/// <summary>Runs a server process until Ctrl-C, SIGTERM or the death of a supervising parent.</summary>
internal static class HostRunner
{
    public static async Task<int> RunAsync(IHost app, CancellationToken ct)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        ParentProcessWatch.StartFromEnvironment(lifetime.StopApplication);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (e.InnerException is SocketException or null)
        {
            Console.Error.WriteLine($"error: cannot listen: {e.Message}");
            return 2;
        }
        catch (Skein.Proxy.Capture.NftException e)
        {
            Console.Error.WriteLine($"error: --capture nftables: {e.Message}");
            return 2;
        }

        using var registration = ct.Register(lifetime.StopApplication);
        await app.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }
}
