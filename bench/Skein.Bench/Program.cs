using System.Runtime.InteropServices;
using Skein.Bench;

// A benchmark driver, not a test:
//   skein-bench hbone [--repo DIR] [--out DIR] [--seconds N] [--only direct,haproxy,skein] [--proxy-build native|jit] [--hold SECONDS]
//   skein-bench gateway [--repo DIR] [--out DIR] [--seconds N] [--proxy-cpus LIST] [--load-cpus LIST] [--targets direct,nginx,haproxy,yarp,skein,skein-h2c,skein-nolog,skein-unmeshed] [--warmup S] [--hold S]
if (args.Length == 0 || args[0] is not ("hbone" or "gateway"))
{
    Console.Error.WriteLine("usage: skein-bench hbone [--repo DIR] [--out DIR] [--seconds N] [--only direct,haproxy,skein] [--proxy-build native|jit] [--hold SECONDS]");
    Console.Error.WriteLine("       skein-bench gateway [--repo DIR] [--out DIR] [--seconds N] [--proxy-cpus LIST] [--load-cpus LIST] [--targets LIST] [--warmup S] [--hold S]");
    return 2;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

var repo = Option("--repo") ?? FindRepo() ?? throw new InvalidOperationException("cannot find Skein.slnx above the current directory; pass --repo");
var outDir = Path.GetFullPath(Option("--out") ?? Path.Combine(repo, "bench", "results"));
var seconds = Option("--seconds") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : args[0] == "gateway" ? 10 : 8;
var (proxyCpus, loadCpus) = GatewayOptions.DefaultCpus(Environment.ProcessorCount);

using var cts = new CancellationTokenSource();
// Ctrl-C and SIGTERM cancel instead of killing us, so the finally blocks stop every child process.
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });

try
{
    return args[0] == "gateway"
        ? await new GatewayBenchmark(new GatewayOptions(Path.GetFullPath(repo), outDir, seconds, Option("--proxy-cpus") ?? proxyCpus, Option("--load-cpus") ?? loadCpus)
        {
            Targets = Option("--targets") is { } t ? t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : null,
            WarmupSeconds = Option("--warmup") is { } w ? int.Parse(w, System.Globalization.CultureInfo.InvariantCulture) : GatewayOptions.DefaultWarmupSeconds,
            HoldSeconds = Option("--hold") is { } g ? int.Parse(g, System.Globalization.CultureInfo.InvariantCulture) : 0,
        }).RunAsync(cts.Token)
        : await new HboneBenchmark(new BenchOptions(Path.GetFullPath(repo), outDir, seconds)
        {
            Only = (Option("--only") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
            ProxyBuild = Option("--proxy-build") is "jit" ? "jit" : "native",
            HoldSeconds = Option("--hold") is { } h ? int.Parse(h, System.Globalization.CultureInfo.InvariantCulture) : 0,
        }).RunAsync(cts.Token);
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
