using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Skein.Samples.Common;

/// <summary>Stops the app once a given parent process is gone, so a killed demo leaves no orphans.</summary>
public sealed class ParentProcessWatch(int pid, IHostApplicationLifetime lifetime) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The start time tells the parent apart from a later process that reuses its pid.
        var started = StartTime(pid);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            if (started is null || StartTime(pid) != started || IsZombie(pid))
            {
                lifetime.StopApplication();
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static DateTime? StartTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    // A killed parent whose own parent has not reaped it yet still has a pid; on Linux /proc shows it as state Z.
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
