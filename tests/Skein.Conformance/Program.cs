using System.CommandLine;
using System.Runtime.InteropServices;
using Skein.Conformance;
using Skein.Conformance.Checks;
using Skein.Conformance.Harness;
using Skein.Conformance.Reporting;

var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "A corpus directory: cases.json, base.yaml, mesh-base.yaml, tests/**.yaml." };
var filter = new Option<string[]>("--filter") { Description = "Run only these tests (short names).", AllowMultipleArgumentsPerToken = true };
var verbose = new Option<bool>("--verbose") { Description = "Print every case attempt outcome and skipped-case details." };
var feature = new Option<string[]>("--feature") { Description = "Claim an extra feature (e.g. Mesh) on top of the default set.", AllowMultipleArgumentsPerToken = true };
var provisional = new Option<bool>("--include-provisional") { Description = "Also run tests upstream marks provisional." };
var consistency = new Option<int>("--max-time-to-consistency") { Description = "Seconds a case may take to pass 3 times in a row (upstream: 30).", DefaultValueFactory = _ => 30 };
var parallel = new Option<int>("--parallel-cases") { Description = "Cases of one test run concurrently.", DefaultValueFactory = _ => 8 };
var junit = new Option<FileInfo?>("--junit") { Description = "Write a JUnit XML report here (default artifacts/conformance/<corpus>.junit.xml)." };

var root = new RootCommand("Runs a Gateway API conformance corpus against real skein processes.")
{
    corpus, filter, verbose, feature, provisional, consistency, parallel, junit,
};
root.SetAction(async (parse, ct) =>
{
    var dir = parse.GetRequiredValue(corpus);
    var features = new HashSet<string>(SupportedFeatures.Default, StringComparer.Ordinal);
    features.UnionWith(parse.GetValue(feature) ?? []);
    var options = new RunnerOptions(
        dir.FullName,
        parse.GetValue(filter) ?? [],
        features,
        parse.GetValue(provisional),
        parse.GetValue(verbose),
        ConsistencyOptions.Upstream with { MaxTime = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(consistency))) },
        Math.Max(1, parse.GetValue(parallel)));

    // Every child dies with the runner: on Ctrl-C and SIGTERM (cancel, then kill) and on any exit path.
    using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        Console.Error.WriteLine("[conformance] SIGTERM received: stopping");
        cancel.Cancel();
        ConformanceMesh.KillEverything();
    });
    AppDomain.CurrentDomain.ProcessExit += (_, _) => ConformanceMesh.KillEverything();

    void Log(string line) => Console.Error.WriteLine($"[conformance] {line}");
    IReadOnlyList<TestResult> results;
    try
    {
        results = await new ConformanceRunner(options, Log).RunAsync(cancel.Token);
    }
    catch (Exception e) when (e is FileNotFoundException or FormatException or ArgumentException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        Console.Error.WriteLine("cancelled");
        return 130;
    }
    catch (OperationCanceledException e)
    {
        // A timeout inside the harness (not Ctrl-C/SIGTERM): say where, so a slow machine is told apart from a signal.
        Console.Error.WriteLine($"error: the runner gave up waiting: {e}");
        return 2;
    }

    Console.Out.Write(ResultReport.Table(results, options.Verbose));
    var report = parse.GetValue(junit)?.FullName ?? Path.Combine("artifacts", "conformance", $"{dir.Name}.junit.xml");
    ResultReport.WriteJUnit(report, $"conformance.{dir.Name}", results);
    Console.Out.WriteLine($"JUnit report: {report}");
    Console.Out.WriteLine(ResultReport.Summary(results));
    return results.Any(r => r.Outcome == Outcome.Failed) ? 1 : 0;
});

return await root.Parse(args).InvokeAsync();
