using System.CommandLine;
using System.Net;
using Skein.Proxy;
using Skein.Proxy.Capture;

namespace Skein.Cli.Commands;

/// <summary><c>skein proxy</c>: runs a data plane proxy.</summary>
internal static class ProxyCommand
{
    public static Command Create() =>
        Configure(new Command("proxy", "Run a proxy. Roles: node (L4, per host), gateway (Gateway API ingress listeners), waypoint (L7 for mesh services, HBONE in)."), ["node", "gateway", "waypoint"]);

    /// <summary>Adds the proxy's options and action to <paramref name="command"/>: the <c>skein proxy</c>
    /// subcommand, or the root of the ahead-of-time compiled <c>skein-proxy</c>, which runs fewer roles.</summary>
    public static Command Configure(Command command, string[] roles)
    {
        var role = new Option<string>("--role") { Description = $"Proxy role: {string.Join(", ", roles)}.", DefaultValueFactory = _ => "node" };
        role.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (roles.Contains(value))
            {
                return;
            }

            result.AddError(value is "node" or "gateway" or "waypoint"
                ? $"role {value} is not in this build (it runs {string.Join(", ", roles)}): run it with `skein proxy --role {value}`"
                : $"unknown role {value}: expected one of {string.Join(", ", roles)}");
        });
        var node = new Option<string>("--node") { Description = "Name of the node this proxy serves (workloads name it in spec.node).", Required = true };
        var control = new Option<Uri>("--control") { Description = "Control plane xDS address (host:port).", Required = true, CustomParser = CommonOptions.ParseControlAddress };
        var address = new Option<IPAddress>("--address") { Description = "The node's address; all proxy listeners bind here.", CustomParser = CommonOptions.ParseAddress, DefaultValueFactory = _ => IPAddress.Loopback };
        var socksPort = CommonOptions.Port("--socks-port", 15080, "SOCKS5 and HTTP CONNECT port.");
        var adminPort = CommonOptions.Port("--admin-port", 15000, "Admin API port (always on loopback).");
        var metricsPort = CommonOptions.Port("--metrics-port", 15020, "Prometheus metrics port (Istio's standard metric names).");
        var readyPort = CommonOptions.Port("--ready-port", 15021, "Readiness port on the node address: GET /healthz/ready answers 200 once the proxy has its config, 503 before and while draining.");
        var rootCert = new Option<FileInfo?>("--root-cert") { Description = "The mesh root certificate (PEM); default $SKEIN_ROOT_CERT. The control plane's <state>/root-cert.pem." };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "File holding this node's join token (`skein token`); default $SKEIN_TOKEN holds the token itself." };
        var accessLog = new Option<string?>("--access-log-format") { Description = "Access log lines on stdout: text (Envoy's shape), json, or off. Default: text for a node proxy, off for a gateway or waypoint (records still stream to the control plane; a Telemetry resource can turn lines on)." };
        accessLog.AcceptOnlyFromAmong("text", "json", "off");
        var otlpEndpoint = new Option<string?>("--otlp-endpoint") { Description = "Gateways and waypoints export request spans here over OTLP (gRPC; OTLP/HTTP when the URL ends in /v1/traces)." };
        var capture = new Option<string>("--capture")
        {
            Description = "Transparent capture (Linux): none; nftables (listen on 15001 outbound, 15006 inbound plaintext and 15008 on --address, apply " +
                "`table inet skein` in this network namespace on start and remove it on stop; needs root and nft); external (the same listeners, rules " +
                "installed by someone else: `skein capture rules`).",
            DefaultValueFactory = _ => "none",
        };
        capture.AcceptOnlyFromAmong("none", "nftables", "external");
        var trustDomain = new Option<string>("--trust-domain") { Description = "The mesh trust domain.", DefaultValueFactory = _ => "cluster.local" };
        var locality = new Option<Skein.Core.Protos.Workload.Locality?>("--locality")
        {
            HelpName = "region[/zone[/subzone]]",
            Description = "Where this proxy runs. Endpoints in the same region, then zone, then subzone are preferred while any are left " +
                "(a Service's TrafficPolicy can turn that off): for a gateway's or waypoint's requests, and for a node's workloads that declare no locality.",
            CustomParser = ParseLocality,
        };

        var drainTimeout = new Option<TimeSpan>("--drain-timeout")
        {
            HelpName = "duration",
            Description = "On SIGTERM/Ctrl-C or after handing its listeners to a new process, how long open connections may finish before they are cut (e.g. 30s, 2m); a second signal cuts at once.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(30),
            CustomParser = ParseDuration,
        };
        var handoverSocket = new Option<string?>("--handover-socket")
        {
            HelpName = "path|off",
            Description = "Unix socket for upgrades without dropped connections. A new proxy started with the same flags takes the running one's " +
                "listening sockets over this socket; the old one drains and exits. Default: $XDG_RUNTIME_DIR/skein (or /tmp/skein-$USER)/proxy-<node>-<address>.sock " +
                "(gateway-… or waypoint-… for those roles); off disables it.",
        };

        foreach (var option in new Option[] { role, node, control, address, socksPort, adminPort, metricsPort, readyPort, rootCert, tokenFile, trustDomain, locality, accessLog, otlpEndpoint, drainTimeout, handoverSocket, capture })
        {
            command.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var rootPath = parse.GetValue(rootCert)?.FullName ?? Environment.GetEnvironmentVariable("SKEIN_ROOT_CERT");
            if (string.IsNullOrEmpty(rootPath) || !File.Exists(rootPath))
            {
                Console.Error.WriteLine($"error: the mesh root certificate is required: --root-cert FILE or SKEIN_ROOT_CERT ({(string.IsNullOrEmpty(rootPath) ? "neither is set" : $"{rootPath} does not exist")})");
                return 2;
            }

            var token = parse.GetValue(tokenFile) is { } file
                ? (file.Exists ? File.ReadAllText(file.FullName).Trim() : null)
                : Environment.GetEnvironmentVariable("SKEIN_TOKEN")?.Trim();
            if (string.IsNullOrEmpty(token))
            {
                Console.Error.WriteLine("error: this node's join token is required: --token-file FILE or SKEIN_TOKEN (create one with `skein token --state DIR --node NAME`)");
                return 2;
            }

            if (parse.GetValue(otlpEndpoint) is { } otlp && Skein.Proxy.L7.Observability.TraceExporter.Parse(otlp) is null)
            {
                Console.Error.WriteLine($"error: --otlp-endpoint {otlp}: expected host:port (OTLP/gRPC) or an http(s) URL (OTLP/HTTP when its path ends in /v1/traces)");
                return 2;
            }

            var captureMode = parse.GetValue(capture) switch
            {
                "nftables" => CaptureMode.Nftables,
                "external" => CaptureMode.External,
                _ => CaptureMode.None,
            };
            if (captureMode != CaptureMode.None && parse.GetRequiredValue(role) != "node")
            {
                Console.Error.WriteLine("error: --capture is for the node role (gateways and waypoints are reached by address)");
                return 2;
            }

            if (captureMode != CaptureMode.None && IPAddress.IsLoopback(parse.GetRequiredValue(address)))
            {
                // The kernel drops packets from other interfaces DNATed to a loopback address (route_localnet is off).
                Console.Error.WriteLine("error: --capture needs --address to be the node's own non-loopback address (captured connections are redirected to it)");
                return 2;
            }

            if (captureMode == CaptureMode.Nftables && await Nft.ProblemAsync(ct) is { } problem)
            {
                Console.Error.WriteLine($"error: --capture nftables: {problem}");
                return 2;
            }

            var options = new ProxyOptions
            {
                Capture = captureMode,
                RootCertFile = rootPath,
                Token = token,
                TokenFile = parse.GetValue(tokenFile)?.FullName,
                TrustDomain = parse.GetRequiredValue(trustDomain),
                Locality = parse.GetValue(locality),
                Role = parse.GetRequiredValue(role),
                Node = parse.GetRequiredValue(node),
                ControlPlane = parse.GetRequiredValue(control),
                Address = parse.GetRequiredValue(address),
                SocksPort = parse.GetValue(socksPort),
                AdminPort = parse.GetValue(adminPort),
                MetricsPort = parse.GetValue(metricsPort),
                ReadyPort = parse.GetValue(readyPort),
                AccessLogFormat = parse.GetValue(accessLog) ?? ProxyOptions.DefaultAccessLogFormat(parse.GetRequiredValue(role)),
                OtlpEndpoint = parse.GetValue(otlpEndpoint),
                DrainTimeout = parse.GetValue(drainTimeout),
                HandoverSocket = parse.GetValue(handoverSocket) switch
                {
                    "off" => null,
                    { Length: > 0 } path => Path.GetFullPath(path),
                    _ => ProxyOptions.DefaultHandoverSocket(parse.GetRequiredValue(node), parse.GetRequiredValue(address), parse.GetRequiredValue(role)),
                },
            };
            using var app = ProxyHost.Build(options);
            return await HostRunner.RunAsync(app, ct);
        });
        return command;
    }

    /// <summary>
    /// How to invoke a parsed command line: a proxy handles SIGTERM and Ctrl-C itself (its host drains for up to
    /// --drain-timeout, in every role), so System.CommandLine's own handling, which ends the process two seconds after
    /// the signal, is off for it. The demo keeps that handling (the signal cancels it) but with more time: its stop gives
    /// each child up to 5 s and then kills it, and ended after two seconds it left draining proxies and the control plane behind.
    /// </summary>
    public static InvocationConfiguration Invocation(ParseResult parse) =>
        parse.Errors.Count > 0 ? new()
        : parse.CommandResult.Command.Options.Any(o => o.Name == "--drain-timeout") ? new() { ProcessTerminationTimeout = null }
        : parse.CommandResult.Command.Name == "demo" ? new() { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) }
        : new();

    private static Skein.Core.Protos.Workload.Locality? ParseLocality(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value.Trim();
        var parts = text.Split('/');
        if (text.Length == 0 || parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            result.AddError($"--locality {text}: expected region, region/zone or region/zone/subzone (e.g. eu-west/eu-west-1a)");
            return null;
        }

        return new Skein.Core.Protos.Workload.Locality
        {
            Region = parts[0],
            Zone = parts.Length > 1 ? parts[1] : "",
            Subzone = parts.Length > 2 ? parts[2] : "",
        };
    }

    private static TimeSpan ParseDuration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return TimeSpan.FromSeconds(value * unit);
        }

        result.AddError($"{result.Argument.Name}: \"{text}\" is not a duration (e.g. 30s, 2m, 500ms)");
        return default;
    }
}
