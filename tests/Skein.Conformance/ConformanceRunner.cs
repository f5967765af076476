using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Skein.Conformance.Checks;
using Skein.Conformance.Corpus;
using Skein.Conformance.Harness;
using Skein.Conformance.Reporting;
using Skein.Conformance.Translation;

namespace Skein.Conformance;

/// <summary>What to run and how strictly.</summary>
public sealed record RunnerOptions(
    string CorpusDir,
    IReadOnlyList<string> Filters,
    IReadOnlySet<string> Features,
    bool IncludeProvisional,
    bool Verbose,
    ConsistencyOptions Consistency,
    int CaseParallelism)
{
    /// <summary>Upstream resolutions file (default: Resolutions/upstream.json next to the runner).</summary>
    public string? ResolutionsPath { get; init; }
}

/// <summary>
/// Runs a corpus: starts the mesh once, then for each test applies its manifests to the watched config dir,
/// checks status and request cases, and removes them again.
/// </summary>
public sealed class ConformanceRunner(RunnerOptions options, Action<string> log)
{
    private const string GatewayClassName = "skein";
    private const int WeightedRequests = 500;
    private const int WeightedConcurrency = 10;
    private const int MaxWeightedRounds = 8;
    private IReadOnlyDictionary<string, TestResolution> _resolutions = new Dictionary<string, TestResolution>();
    private string? _meshProblem;
    private HttpExchange? _meshExchange;
    private readonly TlsChecks _tlsChecks = new();

    /// <summary>Runs the selected tests and returns one result per test, in corpus order.</summary>
    public async Task<IReadOnlyList<TestResult>> RunAsync(CancellationToken ct)
    {
        var corpus = CorpusLoader.Load(options.CorpusDir);
        _resolutions = UpstreamResolutions.Load(options.ResolutionsPath ?? UpstreamResolutions.DefaultPath);
        corpus = corpus with { Tests = corpus.Tests.Select(t => UpstreamResolutions.Apply(t, _resolutions.GetValueOrDefault(t.ShortName))).ToList() };
        var selected = corpus.Tests.Where(t => options.Filters.Count == 0 || options.Filters.Contains(t.ShortName, StringComparer.OrdinalIgnoreCase)).ToList();
        var unknown = options.Filters.Where(f => !corpus.Tests.Any(t => t.ShortName.Equals(f, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--filter: no test named {string.Join(", ", unknown)} in {corpus.Root}/cases.json");
        }

        var results = new Dictionary<string, TestResult>(StringComparer.Ordinal);
        var runnable = new List<ConformanceTest>();
        foreach (var test in selected)
        {
            if (SupportedFeatures.SkipReason(test, options.Features, options.IncludeProvisional) is { } reason)
            {
                results[test.ShortName] = new TestResult(test.ShortName, Outcome.Skipped, 0, test.Cases.Count, reason, [], TimeSpan.Zero);
            }
            else
            {
                runnable.Add(test);
            }
        }

        if (runnable.Count > 0)
        {
            await RunTestsAsync(corpus, runnable, results, ct);
        }

        return selected.Select(t => results[t.ShortName]).ToList();
    }

    private async Task RunTestsAsync(CorpusDirectory corpus, List<ConformanceTest> tests, Dictionary<string, TestResult> results, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        await using var mesh = new ConformanceMesh(log);
        var servicePorts = ServicePorts.From(corpus.AllManifestFiles().Select(File.ReadAllText));
        var needsMesh = tests.Any(t => t.Features.Contains("Mesh"));
        var meshNamespaces = needsMesh && File.Exists(corpus.MeshBaseManifest)
            ? ManifestDocuments.Split(File.ReadAllText(corpus.MeshBaseManifest)).Where(d => d.Kind == "Namespace" && d.Name is not null).Select(d => d.Name!).ToList()
            : [];
        var translator = new ManifestTranslator(GatewayClassName, ConformanceMesh.BackendNode, servicePorts, mesh.NextPodAddress)
        {
            StaticAddresses = mesh.StaticAddresses,
            NamespaceLabels = meshNamespaces.ToDictionary(ns => ns, IReadOnlyDictionary<string, string> (_) => new Dictionary<string, string> { [MeshClient.UseWaypointLabel] = MeshClient.WaypointName }),
        };
        var baseFiles = new[] { corpus.BaseManifest }.Concat(needsMesh ? [corpus.MeshBaseManifest] : []).Where(File.Exists).ToList();
        var baseTexts = baseFiles.Select(File.ReadAllText).ToList();
        var baseDocs = baseTexts.SelectMany(t => ManifestDocuments.Split(translator.Fill(t))).ToList();
        var allTexts = corpus.AllManifestFiles().Select(File.ReadAllText).ToList();
        var secrets = TlsSecrets.Missing(baseTexts, allTexts);
        var clientCertificates = ClientCertificates.For(ClientCertificates.Upstream, allTexts);
        var baseNamespaces = baseDocs.Where(d => d.Kind == "Namespace" && d.Name is not null).Select(d => d.Name!).ToList();
        mesh.MountedContent = _tlsChecks.Content;
        var translatedBase = translator.Translate([
            .. baseTexts,
            .. secrets.Select(s => TlsSecrets.SecretYaml(s.Namespace, s.Name)),
            .. clientCertificates.Documents,
            // What upstream's suite creates in Go for backend TLS tests, in every namespace of the base manifests.
            .. baseNamespaces.SelectMany(_tlsChecks.Yaml),
            // One client, in the first mesh namespace (upstream's clients are pods there); every mesh namespace gets a waypoint.
            .. meshNamespaces.Select((ns, i) => MeshClient.Yaml(ns, i == 0 ? mesh.ClientAddress : null, ConformanceMesh.BackendNode)),
        ]);
        Verbose($"base: created TLS Secrets {string.Join(", ", secrets.Select(s => $"{s.Namespace}/{s.Name}"))}");
        foreach (var note in translatedBase.Dropped)
        {
            Verbose($"base: dropped {note}");
        }

        log($"starting control plane, node proxy and {translatedBase.Pods.Count} echo pods on {mesh.Prefix}0/24 (gateway pool {mesh.GatewayAddressPool})");
        await mesh.StartAsync(ct);
        await mesh.StartPodsAsync(translatedBase.Pods, ct);
        await mesh.WriteConfigAsync("base.yaml", translatedBase.Yaml, ct);
        if (await mesh.WaitForResourcesAsync("base.yaml", translatedBase.Resources, present: true, TimeSpan.FromSeconds(30), ct) is { } baseProblem)
        {
            log($"warning: base manifests: {baseProblem}");
        }

        await mesh.StartGatewayAsync(ct);
        if (needsMesh)
        {
            _meshProblem = meshNamespaces.Count == 0 ? "the corpus has no mesh-base.yaml Namespace" : await mesh.StartWaypointAsync(ct) ?? await mesh.WaitMeshClientAsync(ct);
            if (_meshProblem is not null)
            {
                log(_meshProblem);
            }
        }

        log($"mesh ready in {sw.Elapsed.TotalSeconds:0.0} s; running {tests.Count} tests");

        using var exchange = new HttpExchange { ClientCertificates = clientCertificates.Get };
        using var meshExchange = new HttpExchange(MeshClient.Proxy(mesh.ClientAddress));
        _meshExchange = meshExchange;
        foreach (var test in tests)
        {
            var started = Stopwatch.StartNew();
            TestResult result;
            try
            {
                result = await RunTestAsync(corpus, test, mesh, translator, baseDocs, exchange, ct) with { Duration = started.Elapsed };
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                result = new TestResult(test.ShortName, Outcome.Failed, 0, test.Cases.Count, $"runner error: {e.GetBaseException().Message}", [e.ToString()], started.Elapsed);
            }

            results[test.ShortName] = result;
            log($"{result.Outcome.ToString().ToLowerInvariant(),-7} {test.ShortName} ({result.Duration.TotalSeconds:0.0} s){(result.Outcome == Outcome.Passed ? "" : ": " + result.Reason)}");
        }
    }

    private async Task<TestResult> RunTestAsync(CorpusDirectory corpus, ConformanceTest test, ConformanceMesh mesh, ManifestTranslator translator,
        IReadOnlyList<ManifestDocument> baseDocs, HttpExchange exchange, CancellationToken ct)
    {
        var parsed = test.Cases.Select(WithClientCertificate).Select(HttpCaseParser.Parse).ToList();
        var cases = parsed.Where(p => p.Case is not null).Select(p => p.Case!).ToList();
        var grpcCases = parsed.Where(p => p.Grpc is not null).Select(p => p.Grpc!).ToList();
        var tcpCases = parsed.Where(p => p.Tcp is not null).Select(p => p.Tcp!).ToList();
        var total = cases.Count + grpcCases.Count + tcpCases.Count;
        var skippedCases = parsed.Where(p => p.SkipReason is not null).Select(p => p.SkipReason!).ToList();
        var details = skippedCases.Distinct().Select(r => $"case skipped: {r}").ToList();
        details.AddRange(test.Conditions.Where(c => c.Unresolved is not null).Select(c => $"condition not checked: {c} ({c.Unresolved})"));
        // A test whose cases all need what this runner cannot resolve is skipped, never passed on status alone.
        if (total == 0 && (skippedCases.Count > 0 || !StatusChecker.HasChecks(test)))
        {
            var why = skippedCases.Count > 0 ? $"no runnable case ({skippedCases[0]})" : "nothing this runner can check (upstream's checks for it are Go code)";
            return new TestResult(test.ShortName, Outcome.Skipped, 0, test.Cases.Count, why, details, TimeSpan.Zero);
        }

        var texts = test.Manifests.Select(m => File.ReadAllText(corpus.PathOf(m))).ToList();
        var translated = translator.Translate(texts, ServiceSelectors(_resolutions.GetValueOrDefault(test.ShortName), baseDocs, texts, translator));
        var testDocs = texts.SelectMany(t => ManifestDocuments.Split(translator.Fill(t))).ToList();
        details.AddRange(translated.Dropped.Select(d => $"dropped {d}"));
        var file = $"test-{test.ShortName}.yaml";
        await mesh.StartPodsAsync(translated.Pods, ct);
        try
        {
            await mesh.WriteConfigAsync(file, translated.Yaml, ct);
            if (await mesh.WaitForResourcesAsync(file, translated.Resources, present: true, TimeSpan.FromSeconds(15), ct) is { } loadProblem)
            {
                return Fail(test, 0, cases.Count, loadProblem, details);
            }

            var targets = Targets(test, testDocs, baseDocs);
            if (targets.Count <= 1 && StateChangeDetector.Conflicts(cases) is { Count: > 0 } conflicts)
            {
                foreach (var (later, earlier) in conflicts.OrderBy(c => c.Key))
                {
                    var why = $"case {cases[later].Name} repeats case {cases[earlier].Name} with another expectation (upstream changes objects in Go between them; cases.json does not record it)";
                    skippedCases.Add(why);
                    details.Add($"case skipped: {why}");
                }

                cases = cases.Where((_, i) => !conflicts.ContainsKey(i)).ToList();
            }

            var failures = new List<string>();
            string? reason = null;
            if (StatusChecker.HasChecks(test) || total > 0)
            {
                reason = await StatusProblemAsync(test, translated.Resources, targets, mesh, ct);
                if (reason is not null)
                {
                    failures.Add(reason);
                }
            }

            var run = await RunCasesOnTargetsAsync(test, cases, grpcCases, tcpCases, targets, testDocs, mesh, exchange, ct);
            var passed = run.Passed;
            failures.AddRange(run.Failures);
            reason ??= run.Failures.FirstOrDefault();

            // Steps (upstream changes objects in Go): each patch is applied once the previous checks hold, then its own checks must hold.
            var current = translated;
            for (var i = 0; i < test.Steps.Count && reason is null; i++)
            {
                var step = test.Steps[i];
                var label = step.Label(i);
                var stepParsed = step.Cases.Select(WithClientCertificate).Select(HttpCaseParser.Parse).ToList();
                if (stepParsed.FirstOrDefault(p => p.SkipReason is not null) is { } unparsed)
                {
                    return Fail(test, passed, total, $"{label}: case cannot run ({unparsed.SkipReason})", details.Concat(failures).ToList());
                }

                // What a step expects to grow is compared with the objects as they were once the previous checks held.
                var before = new List<(ResourceRef Ref, ExpectedIncrease Expected, JsonObject Json)>();
                foreach (var (key, increase) in step.Increased)
                {
                    var reference = ResourceRef.FromKey(key);
                    if (await mesh.GetResourceAsync(reference.Kind, reference.Namespace, reference.Name, ct) is not { } json)
                    {
                        return Fail(test, passed, total, $"{label}: {reference} is not known to the control plane before the step", details.Concat(failures).ToList());
                    }

                    before.Add((reference, increase, json));
                }

                current = translator.Patch(current, step.Patches);
                var version = await mesh.ConfigVersionAsync(ct);
                await mesh.WriteConfigAsync(file, current.Yaml, ct);
                if (await mesh.WaitForReloadAsync(file, version, TimeSpan.FromSeconds(15), ct) is { } reloadProblem)
                {
                    return Fail(test, passed, total, $"{label}: {reloadProblem}", details.Concat(failures).ToList());
                }

                var stepDocs = ManifestDocuments.Split(current.Yaml).ToList();
                var stepTargets = Targets(test, stepDocs, baseDocs);
                var stepTest = test with { Conditions = [], ExpectedStatus = step.Status, Cases = step.Cases, Steps = [], StatusChecks = step.StatusChecks ?? test.StatusChecks };
                if (await StatusProblemAsync(stepTest, current.Resources, stepTargets, mesh, ct, before) is { } stepStatus)
                {
                    reason = $"{label}: {stepStatus}";
                    failures.Add(reason);
                }

                var stepCases = stepParsed.Where(p => p.Case is not null).Select(p => p.Case!).ToList();
                var stepGrpc = stepParsed.Where(p => p.Grpc is not null).Select(p => p.Grpc!).ToList();
                var stepTcp = stepParsed.Where(p => p.Tcp is not null).Select(p => p.Tcp!).ToList();
                total += stepCases.Count + stepGrpc.Count + stepTcp.Count;
                var stepRun = await RunCasesOnTargetsAsync(stepTest, stepCases, stepGrpc, stepTcp, stepTargets, stepDocs, mesh, exchange, ct);
                passed += stepRun.Passed;
                var stepFailures = stepRun.Failures.Select(f => $"{label}: {f}").ToList();
                failures.AddRange(stepFailures);
                reason ??= stepFailures.FirstOrDefault();
            }

            if (reason is not null)
            {
                return Fail(test, passed, total, reason, details.Concat(failures).ToList());
            }

            var note = skippedCases.Count > 0 ? $"{skippedCases.Count} case(s) skipped: {skippedCases[0]}" : total == 0 ? "status checks only" : "";
            note = test.Steps.Count > 0 ? $"{note}{(note.Length > 0 ? "; " : "")}{test.Steps.Count + 1} checked states ({test.Steps.Count} steps)" : note;
            return new TestResult(test.ShortName, Outcome.Passed, passed, total, note, details, TimeSpan.Zero);
        }
        finally
        {
            mesh.RemoveConfig(file);
            if (await mesh.WaitForResourcesAsync(file, translated.Resources, present: false, TimeSpan.FromSeconds(15), CancellationToken.None) is { } removeProblem)
            {
                log($"warning: {test.ShortName}: {removeProblem}");
            }

            await mesh.StopPodsAsync(translated.Pods);
        }
    }

    // The Gateways a test's cases go to: those its routes attach to (or its Gateways), narrowed to the resolution's pin.
    private List<GatewayTarget> Targets(ConformanceTest test, IReadOnlyList<ManifestDocument> testDocs, IReadOnlyList<ManifestDocument> baseDocs)
    {
        var targets = GatewayTarget.Resolve(testDocs, baseDocs);
        return _resolutions.GetValueOrDefault(test.ShortName)?.Gateway is { } pinned ? GatewayTarget.Pin(targets, pinned, testDocs, baseDocs).ToList() : targets.ToList();
    }

    // Null when the test's status expectations hold (within the consistency window); otherwise "status: <problem>".
    // A step's objects read before its patch (`before`) must also show the increases it expects.
    private async Task<string?> StatusProblemAsync(ConformanceTest test, IReadOnlyList<ResourceRef> resources, IReadOnlyList<GatewayTarget> targets, ConformanceMesh mesh, CancellationToken ct,
        IReadOnlyList<(ResourceRef Ref, ExpectedIncrease Expected, JsonObject Json)>? before = null)
    {
        var addresses = mesh.StaticAddresses;
        var resolved = test with { ExpectedStatus = test.ExpectedStatus.ToDictionary(p => p.Key, p => addresses.Resolve(p.Value), StringComparer.Ordinal) };
        var status = await Consistency.RunAsync(
            async _ =>
            {
                if (await StatusChecker.CheckAsync(resolved, resources, targets, r => mesh.GetResourceAsync(r.Kind, r.Namespace, r.Name, ct)) is { } problem)
                {
                    return problem;
                }

                foreach (var (reference, expected, was) in before ?? [])
                {
                    var now = await mesh.GetResourceAsync(reference.Kind, reference.Namespace, reference.Name, ct);
                    if ((now is null ? $"{reference} is not known to the control plane" : IncreaseChecker.Problem(reference, was, now, expected)) is { } increase)
                    {
                        return increase;
                    }
                }

                return null;
            },
            options.Consistency with { RequiredConsecutive = 1 }, TimeProvider.System, ct);
        return status.Passed ? null : $"status: {status.LastError}";
    }

    // Runs request cases against the test's Gateways (or the mesh client); returns how many passed and each failure.
    private async Task<(int Passed, List<string> Failures)> RunCasesOnTargetsAsync(ConformanceTest test, List<HttpCase> cases, List<GrpcCase> grpcCases, List<TcpCase> tcpCases,
        IReadOnlyList<GatewayTarget> targets, IReadOnlyList<ManifestDocument> testDocs, ConformanceMesh mesh, HttpExchange exchange, CancellationToken ct)
    {
        var isMesh = test.Features.Contains("Mesh");
        var failures = new List<string>();
        var passed = 0;
        List<(GatewayTarget Target, string Address)> addressed = [];
        if (cases.Count > 0 || grpcCases.Count + tcpCases.Count > 0 && !isMesh)
        {
            List<(string Label, Func<HttpCase, RequestTarget> Target)> candidates;
            if (isMesh)
            {
                if (_meshProblem is not null)
                {
                    return (0, [_meshProblem]);
                }

                // The meshed client calls the Service the routes attach to (upstream's "echo"), on port 80.
                var service = MeshServiceHost(testDocs);
                candidates = [("mesh client", c => new RequestTarget(c.Request.Host is { Length: > 0 } h ? h.Split(':')[0] : service ?? "echo", 80, "http"))];
                exchange = _meshExchange!;
            }
            else
            {
                (addressed, var addressProblem) = await GatewayAddressesAsync(mesh, targets, ct);
                if (addressed.Count == 0)
                {
                    return (0, [addressProblem!]);
                }

                candidates = addressed.Select(a => ($"{a.Target.Namespace}/{a.Target.Name}", (Func<HttpCase, RequestTarget>)(c => TargetFor(c, a)))).ToList();
            }

            var every = _resolutions.GetValueOrDefault(test.ShortName)?.EveryGateway == true;
            // Cases that must fail run once the others hold, as upstream orders them: before that, a listener not
            // yet programmed would fail them for the wrong reason.
            var outcomes = cases.Count == 0 ? [] : await RunCasesAsync(cases.Where(c => !c.ExpectFailure).ToList(), candidates, every, mesh, exchange, ct);
            if (outcomes.All(o => o.Error is null) && cases.Any(c => c.ExpectFailure))
            {
                outcomes.AddRange(await RunCasesAsync(cases.Where(c => c.ExpectFailure).ToList(), candidates, every, mesh, exchange, ct));
            }

            passed = outcomes.Count(o => o.Error is null);
            var failed = outcomes.Where(o => o.Error is not null).Select(o => $"case {o.Case.Name}: {o.Error}").ToList();
            failures.AddRange(failed);

            if (test.Weighted && test.ExpectedWeights is { } weights && failed.Count == 0)
            {
                if (await WeightedAsync(cases[0], candidates[0].Target, weights, exchange, ct) is { } weightProblem)
                {
                    failures.Add($"weights: {weightProblem}");
                }
            }
        }

        if (grpcCases.Count + tcpCases.Count > 0)
        {
            using var grpc = new GrpcProbe();
            var streamOutcomes = await RunStreamCasesAsync(
                [
                    .. grpcCases.Select(c => (c.Name, addressed.Select(a => Probe(a, "HTTP", t => grpc.RunAsync(c, t, ct))).ToList())),
                    .. tcpCases.Select(c => (c.Name, addressed.Select(a => Probe(a, c.Hostname is null ? "TCP" : "TLS", t => TcpProbe.RunAsync(c, t, ct))).ToList())),
                ], ct);
            passed += streamOutcomes.Count(o => o.Error is null);
            failures.AddRange(streamOutcomes.Where(o => o.Error is not null).Select(o => $"case {o.Name}: {o.Error}"));
        }

        return (passed, failures);
    }

    // ExpectedRequest.Request.ClientCertFrom "ns/secret" names the Secret whose tls.crt the backend must be presented
    // (upstream reads it from the Secret in Go); it becomes ClientCert, the PEM itself.
    private JsonObject WithClientCertificate(JsonObject entry)
    {
        if (entry["ExpectedRequest"]?["Request"] is not JsonObject request || CorpusLoader.Str(request["ClientCertFrom"]) is not { } from)
        {
            return entry;
        }

        var copy = (JsonObject)entry.DeepClone();
        var parts = from.Split('/');
        var pem = parts.Length == 2 ? _tlsChecks.Content(new MountedKey("Secret", parts[0], parts[1], "tls.crt")) : null;
        copy["ExpectedRequest"]!["Request"]!["ClientCert"] = pem ?? throw new FormatException($"ClientCertFrom {from}: not a Secret the runner creates");
        return copy;
    }

    // "ns/service" -> the pod labels of the Deployment whose pods upstream's Go code makes the Service's endpoints.
    private static Dictionary<string, IReadOnlyDictionary<string, string>>? ServiceSelectors(TestResolution? resolution, IReadOnlyList<ManifestDocument> baseDocs,
        IReadOnlyList<string> texts, ManifestTranslator translator)
    {
        if (resolution is null || resolution.EndpointsFrom.Count == 0)
        {
            return null;
        }

        var docs = texts.SelectMany(t => ManifestDocuments.Split(translator.Fill(t))).Concat(baseDocs).ToList();
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (service, deployment) in resolution.EndpointsFrom)
        {
            var ns = docs.FirstOrDefault(d => d.Kind == "Service" && d.Name == service)?.Namespace ?? "default";
            if (docs.FirstOrDefault(d => d.Kind == "Deployment" && d.Name == deployment && (d.Namespace ?? "default") == ns)?.Root is { } root)
            {
                result[$"{ns}/{service}"] = ManifestDocuments.StringMap(root, "spec", "selector", "matchLabels");
            }
        }

        return result;
    }

    // The Service a mesh test's HTTPRoutes attach to (GAMMA parentRef kind Service).
    private static string? MeshServiceHost(IReadOnlyList<ManifestDocument> docs) =>
        docs.Where(d => d.Kind == "HTTPRoute" && d.Root is not null)
            .SelectMany(d => ManifestDocuments.Sequence(d.Root!, "spec", "parentRefs").OfType<YamlDotNet.RepresentationModel.YamlMappingNode>())
            .Where(p => ManifestDocuments.Scalar(p, "kind") == "Service")
            .Select(p => ManifestDocuments.Scalar(p, "name"))
            .FirstOrDefault(n => n is not null);

    private static TestResult Fail(ConformanceTest test, int passed, int total, string reason, List<string> details) =>
        new(test.ShortName, Outcome.Failed, passed, total, reason, details, TimeSpan.Zero);

    private async Task<(List<(GatewayTarget Target, string Address)> Targets, string? Problem)> GatewayAddressesAsync(
        ConformanceMesh mesh, IReadOnlyList<GatewayTarget> targets, CancellationToken ct)
    {
        if (targets.Count == 0)
        {
            return ([], "no Gateway to send requests to (no HTTPRoute parentRef to a defined Gateway, and no Gateway in the manifests)");
        }

        if (mesh.GatewayProblem is { } problem)
        {
            return ([], problem);
        }

        var result = new List<(GatewayTarget, string)>();
        string? lastProblem = null;
        foreach (var target in targets)
        {
            string? address = null;
            var found = await Consistency.RunAsync(async _ =>
            {
                var gateway = await mesh.GetResourceAsync("Gateway", target.Namespace, target.Name, ct);
                address = (gateway?["status"]?["addresses"] as System.Text.Json.Nodes.JsonArray)?
                    .Select(a => a?["value"]?.GetValue<string>()).FirstOrDefault(v => !string.IsNullOrEmpty(v));
                return address is null ? $"Gateway {target.Namespace}/{target.Name} has no status.addresses" : null;
            }, options.Consistency with { RequiredConsecutive = 1 }, TimeProvider.System, ct);
            if (found.Passed)
            {
                result.Add((target, address!));
            }
            else
            {
                lastProblem = found.LastError;
            }
        }

        return (result, lastProblem);
    }

    private static RequestTarget TargetFor(HttpCase c, (GatewayTarget Target, string Address) gateway)
    {
        var (port, scheme) = gateway.Target.For(c.Request.Host, c.Request.ServerName);
        if (c.Request.Port is { } pinned)
        {
            // The case names the listener port; TLS with a server name, else the protocol of the listener there.
            var https = c.Request.ServerName is { Length: > 0 }
                || gateway.Target.Listeners.FirstOrDefault(l => l.Port == pinned)?.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) == true;
            return new RequestTarget(gateway.Address, pinned, https ? "https" : "http");
        }

        return new RequestTarget(gateway.Address, port, scheme);
    }

    // One way to run a gRPC/TCP case on one candidate Gateway: the listener of the wanted protocol, then the probe.
    private static (string Label, Func<Task<string?>> Run) Probe((GatewayTarget Target, string Address) gateway, string protocol, Func<RequestTarget, Task<string?>> probe)
    {
        var label = $"{gateway.Target.Namespace}/{gateway.Target.Name}";
        if (gateway.Target.ListenerFor(protocol) is not { } listener)
        {
            return (label, () => Task.FromResult<string?>($"Gateway {label} has no {protocol} listener"));
        }

        var target = new RequestTarget(gateway.Address, listener.Port, protocol is "HTTPS" or "TLS" ? "https" : "http");
        return (label, () => probe(target));
    }

    // gRPC and TCP cases: like HTTP ones, each must hold 3 times in a row, on one of the candidate Gateways.
    private async Task<List<(string Name, string? Error)>> RunStreamCasesAsync(IReadOnlyList<(string Name, List<(string Label, Func<Task<string?>> Run)> Candidates)> cases, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(options.CaseParallelism);
        var tasks = cases.Select(async c =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var result = await Consistency.RunAsync(async token =>
                {
                    string? firstError = null;
                    foreach (var (label, run) in c.Candidates)
                    {
                        string? error;
                        try
                        {
                            error = await run();
                        }
                        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException
                            or HttpRequestException or OperationCanceledException && !token.IsCancellationRequested)
                        {
                            error = e.GetBaseException().Message;
                        }

                        if (error is null)
                        {
                            return null;
                        }

                        firstError ??= c.Candidates.Count > 1 ? $"{error} (on {label}; other Gateways too)" : error;
                    }

                    return firstError ?? "no Gateway to send to";
                }, options.Consistency, TimeProvider.System, ct);
                Verbose($"  {(result.Passed ? "pass" : "FAIL")} {c.Name} after {result.Attempts} attempts{(result.Passed ? "" : ": " + result.LastError)}");
                return (c.Name, result.Passed ? null : result.LastError);
            }
            finally
            {
                gate.Release();
            }
        });
        return (await Task.WhenAll(tasks)).ToList();
    }

    private async Task<List<(HttpCase Case, string? Error)>> RunCasesAsync(List<HttpCase> cases, List<(string Label, Func<HttpCase, RequestTarget> Target)> allGateways,
        bool everyGateway, ConformanceMesh mesh, HttpExchange exchange, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(options.CaseParallelism);
        var tasks = cases.Select(async c =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var extra = c.BackendSetResponseHeaders.Count == 0
                    ? new Dictionary<string, string>()
                    : new Dictionary<string, string> { ["X-Echo-Set-Header"] = string.Join(",", c.BackendSetResponseHeaders.Select(h => $"{h.Key}:{h.Value}")) };
                // A case upstream sends to one Gateway goes there only; otherwise, with several candidate Gateways, an
                // attempt passes when the case holds on one of them (on each of them when upstream runs it on every one).
                var gateways = c.Gateway is { } pinned ? allGateways.Where(g => g.Label == pinned).ToList() : allGateways;
                var result = await Consistency.RunAsync(async token =>
                {
                    if (gateways.Count == 0)
                    {
                        return $"the case's Gateway {c.Gateway} has no address";
                    }

                    string? firstError = null;
                    foreach (var gateway in gateways)
                    {
                        var attempt = c.ForAttempt();
                        var requestTarget = gateway.Target(attempt);
                        var mark = mesh.Journal.Mark;
                        string? error;
                        try
                        {
                            if (attempt.Kind == CaseKind.WebSocket)
                            {
                                error = await WebSocketProbe.RunAsync(attempt.Request, requestTarget, token);
                            }
                            else if (attempt.ExpectFailure)
                            {
                                error = await FailureProblemAsync(attempt, requestTarget, exchange, token);
                            }
                            else
                            {
                                var response = await exchange.SendAsync(attempt.Request, requestTarget, extra, token);
                                error = CaseEvaluator.Evaluate(attempt, requestTarget, response) ?? await MirrorProblemAsync(attempt, mesh.Journal, mark, token);
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Net.WebSockets.WebSocketException
                            or System.Security.Authentication.AuthenticationException && !token.IsCancellationRequested)
                        {
                            error = $"{requestTarget.Scheme}://{requestTarget.Authority}: {e.GetBaseException().Message}";
                        }

                        if (everyGateway && error is not null)
                        {
                            return $"{error} (on {gateway.Label})";
                        }

                        if (error is null && !everyGateway)
                        {
                            return null;
                        }

                        if (error is not null)
                        {
                            firstError ??= gateways.Count > 1 ? $"{error} (on {gateway.Label}; other Gateways too)" : error;
                        }
                    }

                    return firstError;
                }, options.Consistency, TimeProvider.System, ct);
                Verbose($"  {(result.Passed ? "pass" : "FAIL")} {c.Name} after {result.Attempts} attempts{(result.Passed ? "" : ": " + result.LastError)}");
                return (c, result.Passed ? null : result.LastError);
            }
            finally
            {
                gate.Release();
            }
        });
        return (await Task.WhenAll(tasks)).ToList();
    }

    // Upstream's failure expectation: the round trip errs (handshake refused, connection closed); any HTTP answer fails it.
    private static async Task<string?> FailureProblemAsync(HttpCase c, RequestTarget target, HttpExchange exchange, CancellationToken ct)
    {
        try
        {
            var response = await exchange.SendAsync(c.Request, target, new Dictionary<string, string>(), ct);
            var presented = c.Request.ClientCertificate is { } name ? $"with client certificate {name}" : "without a client certificate";
            return $"expected the request {presented} to fail, got status {response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    // A mirrored copy arrives asynchronously, so the journal is polled briefly. Percentage mirrors are not checked
    // per request (a single request may rightly not be mirrored).
    private static async Task<string?> MirrorProblemAsync(HttpCase c, RequestJournal journal, long mark, CancellationToken ct)
    {
        foreach (var mirror in c.MirroredTo.Where(m => m.Percent is null or >= 100))
        {
            var path = c.ExpectedRequest.Path ?? c.Request.Path;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            while (!journal.Since(mark).Any(r => r.Path == path && WeightedShares.BackendOf(r.Pod, [mirror.Name]) is not null && (mirror.Namespace is null || r.Namespace == mirror.Namespace)))
            {
                if (DateTime.UtcNow > deadline)
                {
                    return $"mirror {mirror.Namespace}/{mirror.Name} did not receive {path}";
                }

                await Task.Delay(50, ct);
            }
        }

        return null;
    }

    private async Task<string?> WeightedAsync(HttpCase c, Func<HttpCase, RequestTarget> target, IReadOnlyDictionary<string, double> weights, HttpExchange exchange, CancellationToken ct)
    {
        var requestTarget = target(c);
        string? problem = null;
        // The distribution is retried while routes settle, but must hold in two rounds in a row: a balancer that
        // ignores weights drifts (peak EWMA is not 50/50), and one lucky round out of many would be a false pass.
        var deadline = DateTime.UtcNow + options.Consistency.MaxTime;
        var streak = 0;
        for (var round = 0; round < MaxWeightedRounds && (round < 2 || DateTime.UtcNow < deadline); round++)
        {
            var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var errors = 0;
            await Parallel.ForAsync(0, WeightedRequests, new ParallelOptions { MaxDegreeOfParallelism = WeightedConcurrency, CancellationToken = ct }, async (_, token) =>
            {
                try
                {
                    var response = await exchange.SendAsync(c.Request, requestTarget, new Dictionary<string, string>(), token);
                    var pod = response.Echo?["pod"]?.GetValue<string>();
                    if (response.StatusCode != 200 || pod is null)
                    {
                        Interlocked.Increment(ref errors);
                        return;
                    }

                    counts.AddOrUpdate(WeightedShares.BackendOf(pod, weights.Keys) ?? pod, 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                }
            });
            problem = errors > 0 ? $"{errors} of {WeightedRequests} requests failed" : WeightedShares.Check(counts, weights);
            Verbose($"  weights round {round + 1}: {string.Join(", ", counts.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}"))}{(problem is null ? "" : " — " + problem)}");
            streak = problem is null ? streak + 1 : 0;
            if (streak >= 2)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        return problem ?? "the distribution held in one round but not in the next";
    }

    private void Verbose(string line)
    {
        if (options.Verbose)
        {
            log(line);
        }
    }
}
