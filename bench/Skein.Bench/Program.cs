using System.Runtime.InteropServices;
using Skein.Bench;

// A benchmark driver, not a test: `skein-bench hbone [--repo DIR] [--out DIR] [--seconds N]`.
if (args.Length == 0 || args[0] != "hbone")
{
    Console.Error.WriteLine("usage: skein-bench hbone [--repo DIR] [--out DIR] [--seconds N]");
    return 2;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

var repo = Option("--repo") ?? FindRepo() ?? throw new InvalidOperationException("cannot find Skein.slnx above the current directory; pass --repo");
var options = new BenchOptions(
    Path.GetFullPath(repo),
    Path.GetFullPath(Option("--out") ?? Path.Combine(repo, "bench", "results")),
    int.Parse(Option("--seconds") ?? "8", System.Globalization.CultureInfo.InvariantCulture));

using var cts = new CancellationTokenSource();
// Ctrl-C and SIGTERM cancel instead of killing us, so the finally blocks stop every child process.
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });

try
{
    return await new HboneBenchmark(options).RunAsync(cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled; all child processes stopped");
    return 130;
}

static string? FindRepo()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skein.slnx")))
            {
                return dir.FullName;
            }
        }
    }

    return null;
}
