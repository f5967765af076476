namespace Skein.Integration.Tests.Infrastructure;

/// <summary>Finds live processes that a given supervisor started, by the parent pid the demo puts in their environment or arguments.</summary>
public static class OrphanScan
{
    public static IReadOnlyList<string> ChildrenOf(int supervisorPid)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (IsZombie(dir))
                {
                    continue;
                }

                if (environ.Contains($"SKEIN_PARENT_PID={supervisorPid}\0", StringComparison.Ordinal) ||
                    cmdline.Contains($"--parent-pid {supervisorPid} ", StringComparison.Ordinal) || cmdline.EndsWith($"--parent-pid {supervisorPid} ", StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {cmdline.Trim()}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static bool IsZombie(string dir)
    {
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        var close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
    }
}
