using System.Diagnostics;

namespace Skein.Core.Hosting;

/// <summary>Ends the current process when the process that started it is gone.</summary>
/// <remarks>
/// Linux offers PR_SET_PDEATHSIG, but only through P/Invoke and only for the thread that forked;
/// polling the parent is portable and good enough for a demo supervisor that may be SIGKILLed.
/// </remarks>
public static class ParentProcessWatch
{
    public const string EnvironmentVariable = "SKEIN_PARENT_PID";

    /// <summary>Starts watching if <see cref="EnvironmentVariable"/> names a parent; calls <paramref name="onParentGone"/> once.</summary>
    public static void StartFromEnvironment(Action onParentGone)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(EnvironmentVariable), out var pid) && pid > 0)
        {
            Start(pid, onParentGone);
        }
    }

    public static void Start(int parentPid, Action onParentGone)
    {
        _ = Task.Run(async () =>
        {
            while (IsAlive(parentPid))
            {
                await Task.Delay(1000).ConfigureAwait(false);
            }

            onParentGone();
        });
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
