using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Skein.Core.Protos.Workload;
using Skein.Proxy.L7.Forwarding;
using Skein.Proxy.Outbound;
using Skein.Proxy.State;
using Skein.Proxy.Telemetry;

namespace Skein.Proxy.L7.Observability;

/// <summary>Turns a finished request into an HTTP access log record (streamed as an ALS HTTP entry) and Istio HTTP metrics.</summary>
/// <remarks>
/// At a gateway the record's source is the gateway itself (its workload, identity) with the client's address
/// as the downstream address, as Istio's gateways report themselves as the source of what they forward. At a
/// waypoint the source is the caller: the verified peer identity of the HBONE tunnel and the workload the mesh
/// state places at the tunnel's original source address (or, failing that, the one with that identity).
/// </remarks>
public sealed class HttpRequestLog(ProxyOptions options, AccessLog accessLog, HttpMetrics metrics, ProxyStateStore state)
{
    // Per-request strings that only change with the configuration, made once per workload, service port or endpoint.
    // Keyed weakly by the config objects, which a new snapshot replaces, so stale entries go with them.
    private readonly ConditionalWeakTable<Workload, string> _principals = new();
    private readonly ConditionalWeakTable<Workload, string>.CreateValueCallback _principalOf = w => Identity.WorkloadIdentity.Of(w, options.TrustDomain).ToString();
    private readonly ConcurrentDictionary<(string Hostname, uint Port), string> _clusters = new();
    private readonly string _role = options.Role == "waypoint" ? "waypoint" : "source";

    public AccessLogRecord Record(HttpContext context, RequestOutcome outcome, DateTimeOffset start, TimeSpan duration)
    {
        var request = context.Request;
        // A local answer is logged with the status the proxy chose, also when a gRPC client got it as Trailers-Only 200.
        var status = outcome.LocalStatus != 0 ? outcome.LocalStatus : context.Response.StatusCode;
        var gateway = outcome.Listener?.Gateway;
        var destination = outcome.Endpoint?.Workload;
        var destinationPrincipal = destination is null ? null : _principals.GetValue(destination, _principalOf);
        var security = outcome.MutualTls ? "mutual_tls" : "none";
        var protocol = request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true ? "grpc" : "http";
        var source = Source(context, gateway);
        metrics.Record(HttpLabels.For(_role, source.Workload ?? HttpLabels.Unknown, source.Namespace ?? HttpLabels.Unknown,
            source.Principal, destination, destinationPrincipal, outcome.Service, protocol, status, outcome.Flags, security), duration);

        var requestId = request.Headers["x-request-id"].ToString();
        var record = new AccessLogRecord
        {
            Start = start,
            Direction = options.Role,
            Node = options.Node,
            ConnectionId = requestId.Length > 0 ? requestId : context.TraceIdentifier,
            SourceAddress = source.Address,
            SourceWorkload = source.Workload,
            SourceNamespace = source.Namespace,
            SourcePrincipal = source.Principal,
            DestinationWorkload = destination?.Name,
            DestinationNamespace = destination?.Namespace,
            DestinationPrincipal = outcome.MutualTls ? destinationPrincipal : null,
            DestinationService = outcome.Service?.Hostname,
            UpstreamHost = outcome.Endpoint is { } endpoint ? endpoint.Key : null,
            // What the client asked for matters where no service was found; otherwise the authority and path say it.
            Requested = outcome.Service is null ? $"{request.Host}{request.Path}" : null,
            BytesReceived = request.ContentLength ?? 0,
            BytesSent = context.Response.ContentLength ?? 0,
            Duration = duration,
            Security = security,
            ResponseFlags = outcome.Flags,
            // A policy denial's details are Envoy's RBAC text (set where the request was refused), naming the policy.
            Details = AccessLogRecord.ToDetails(outcome.Details),
            Policy = outcome.Details.StartsWith(AccessLogRecord.RbacDeniedPrefix, StringComparison.Ordinal) && outcome.Details.EndsWith(']')
                ? outcome.Details[AccessLogRecord.RbacDeniedPrefix.Length..^1] is var p && p != "none" ? p : null
                : null,
            FailedHop = FailedHop(outcome, status),
            Method = request.Method,
            Authority = request.Host.Value,
            Path = request.PathBase.HasValue || request.QueryString.HasValue ? $"{request.PathBase}{request.Path}{request.QueryString}" : request.Path.Value,
            Protocol = ProtocolName(request.Protocol),
            ResponseCode = outcome.Flags == "DC" && !context.Response.HasStarted ? 0 : status,
            RequestId = requestId.Length > 0 ? requestId : null,
            RouteName = outcome.Route,
            UpstreamCluster = outcome.Service is { } service ? Cluster(service, outcome.Endpoint) : null,
            UserAgent = request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null,
            RetryCount = Math.Max(0, outcome.Attempts - 1),
        };
        accessLog.Write(record);
        return record;
    }

    /// <summary>Who sent the request, as this proxy can vouch for it.</summary>
    private (string? Address, string? Workload, string? Namespace, string? Principal) Source(HttpContext context, Configuration.GatewayRuntime? gateway)
    {
        var remote = context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : null;
        if (context.Features.Get<TunnelPeerFeature>() is { } peer)
        {
            // The same for every request of the tunnel while the config stays: worked out once per tunnel and snapshot.
            var mesh = state.Current;
            if (peer.Source is not { } known || !ReferenceEquals(known.Mesh, mesh))
            {
                peer.Source = known = TunnelSource(peer, mesh);
            }

            return (known.Address ?? remote, known.Workload?.Name, known.Workload?.Namespace ?? known.IdentityNamespace, known.Principal);
        }

        return (remote, gateway?.Proto.Name, gateway?.Proto.Namespace, gateway?.IdentityText);
    }

    private TunnelSourceInfo TunnelSource(TunnelPeerFeature peer, State.MeshState mesh)
    {
        var at = peer.OriginalSource is { } original ? mesh.WorkloadsByIp.GetValueOrDefault(original) : null;
        var principal = peer.Identity.ToString();
        var workload = at is not null && _principals.GetValue(at, _principalOf) == principal
            ? at
            : mesh.Workloads.Values.FirstOrDefault(w => _principals.GetValue(w, _principalOf) == principal);
        var segments = peer.Identity.Path.Split('/');
        var identityNamespace = segments.Length == 5 && segments[1] == "ns" ? segments[2] : null;
        return new TunnelSourceInfo(mesh, peer.OriginalSource?.ToString(), workload, identityNamespace, principal);
    }

    /// <summary>Istio's cluster name, which carries the service port: the one whose target port the chosen endpoint listens on.</summary>
    private string Cluster(Service service, UpstreamEndpoint? endpoint)
    {
        uint port = 0;
        if (endpoint is not null)
        {
            port = (uint)endpoint.Address.Port;
            foreach (var p in service.Ports)
            {
                if (p.TargetPort == endpoint.Address.Port)
                {
                    port = p.ServicePort;
                    break;
                }
            }
        }

        return _clusters.TryGetValue((service.Hostname, port), out var name) ? name : Add(service.Hostname, port);

        string Add(string hostname, uint port)
        {
            if (_clusters.Count > 4096)
            {
                _clusters.Clear();
            }

            return _clusters[(hostname, port)] = $"outbound|{port}||{hostname}";
        }
    }

    /// <summary>Where the request failed, in the access log's hop vocabulary; null when it did not.</summary>
    internal string? FailedHop(RequestOutcome outcome, int status) => outcome.Flags switch
    {
        "-" when status >= 500 && outcome.Endpoint is { } endpoint && outcome.Details == "via_upstream" => $"destination-workload/{endpoint.Address}",
        "-" when status >= 500 || outcome.Details.StartsWith(AccessLogRecord.RbacDeniedPrefix, StringComparison.Ordinal) => $"{options.Role}/{options.Node}",
        "-" => null,
        "URX" when status < 500 => null,
        "UF" or "URX" or "UC" or "UPE" => outcome.Endpoint is { } endpoint ? $"connect-to-destination/{endpoint.Address}" : "connect-to-destination",
        "UT" => outcome.Endpoint is { } endpoint ? $"destination-workload/{endpoint.Address}" : $"{options.Role}/{options.Node}",
        "DC" => "downstream",
        _ => $"{options.Role}/{options.Node}",
    };

    /// <summary>The protocol as Envoy prints it (HTTP/2 rather than ASP.NET Core's HTTP/2.0).</summary>
    public static string ProtocolName(string protocol) => protocol switch
    {
        "HTTP/2.0" or "HTTP/2" => "HTTP/2",
        "HTTP/3.0" or "HTTP/3" => "HTTP/3",
        "HTTP/1.0" => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
}

/// <summary>The verified peer of the HBONE tunnel a waypoint request came through, and the original source address its <c>forwarded</c> header names.</summary>
public sealed record TunnelPeerFeature(Skein.Core.Identity.SpiffeId Identity, System.Net.IPAddress? OriginalSource)
{
    /// <summary>Who the tunnel's requests come from, as last worked out (for one config snapshot).</summary>
    internal TunnelSourceInfo? Source { get; set; }
}

/// <summary>A tunnel's caller as the access log and metrics name it, valid for the snapshot <paramref name="Mesh"/>.</summary>
internal sealed record TunnelSourceInfo(State.MeshState Mesh, string? Address, Workload? Workload, string? IdentityNamespace, string Principal);
