using System.Net;
using Skein.Proxy.Capture;

namespace Skein.Proxy;

/// <summary>What a proxy process is and where it listens.</summary>
public sealed class ProxyOptions
{
    public string Role { get; init; } = "node";

    public required string Node { get; init; }

    /// <summary>The control plane's xDS and CA address, e.g. <c>https://127.0.0.1:15012</c>.</summary>
    public required Uri ControlPlane { get; init; }

    /// <summary>The node's address: every proxy listener binds here (an emulated node has its own loopback IP).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int SocksPort { get; init; } = 15080;

    /// <summary>Transparent capture: off, on with the proxy's own nftables rules, or on with rules installed by someone else.</summary>
    public CaptureMode Capture { get; init; } = CaptureMode.None;

    /// <summary>PEM root certificate(s) of the mesh: the control plane's certificate must chain to it.</summary>
    public required string RootCertFile { get; init; }

    /// <summary>This node's join token, presented as a bearer token on every control plane call.</summary>
    public required string Token { get; init; }

    /// <summary>The file <see cref="Token"/> came from, re-read when it changes (a projected ServiceAccount token is rotated by the kubelet).</summary>
    public string? TokenFile { get; init; }

    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>
    /// Where this proxy runs (<c>--locality region/zone/subzone</c>): the caller's locality for a gateway's or waypoint's
    /// picks, and a node proxy's for its workloads that declare none. Null: unknown, so no locality preference applies.
    /// </summary>
    public Skein.Core.Protos.Workload.Locality? Locality { get; init; }

    public int AdminPort { get; init; } = 15000;

    /// <summary>Access log line format: <c>text</c> (Envoy's shape) or <c>json</c>; <c>off</c> disables it.</summary>
    public string AccessLogFormat { get; init; } = "text";

    /// <summary>
    /// The stdout access log a role writes unless told otherwise: a node proxy logs each connection; a gateway or
    /// waypoint, which would log every request, writes no lines (as Envoy without an access log configured, and
    /// Istio's default profile), while its records still stream to the control plane for the topology.
    /// </summary>
    public static string DefaultAccessLogFormat(string role) => role == "node" ? "text" : "off";

    /// <summary>Whether access log records stream to the control plane over Envoy ALS (a Telemetry resource may override it).</summary>
    public bool AccessLogService { get; init; } = true;

    /// <summary>OTLP endpoint gateways and waypoints export request spans to (gRPC, or OTLP/HTTP when the URL ends in /v1/traces); a Telemetry resource's tracing overrides it.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Share of new traces (requests arriving without a traceparent) that are sampled, 0..100; a Telemetry resource's tracing overrides it.</summary>
    public double TraceSamplingPercentage { get; init; } = 100;

    /// <summary>Prometheus metrics port (Istio's 15020), on the node address.</summary>
    public int MetricsPort { get; init; } = 15020;

    /// <summary>Readiness port (Istio's 15021, <c>GET /healthz/ready</c>), on the node address: what a kubelet or load balancer probes.</summary>
    public int ReadyPort { get; init; } = 15021;

    /// <summary>How long a draining proxy (SIGTERM, Ctrl-C, or handing over to its successor) lets open connections finish before cutting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Unix socket a running proxy hands its listeners over on when a new process of its role starts with the same path; null turns hand-over off.</summary>
    public string? HandoverSocket { get; init; }

    /// <summary>The default hand-over socket: one per role, node name and address under the user's runtime directory (<c>$XDG_RUNTIME_DIR/skein</c>, else <c>/tmp/skein-$USER</c>).</summary>
    /// <remarks>A node proxy's is <c>proxy-&lt;node&gt;-&lt;address&gt;.sock</c> (as before roles had one); gateways and
    /// waypoints put their role first, so one placed on a node never meets that node's proxy.</remarks>
    public static string DefaultHandoverSocket(string node, System.Net.IPAddress address, string role = "node")
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var dir = !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "skein")
            : Path.Combine(Path.GetTempPath(), $"skein-{Environment.UserName}");
        var safe = string.Concat(node.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(dir, $"{(role == "node" ? "proxy" : role)}-{safe}-{address}.sock");
    }
}
