namespace Skein.Proxy.Telemetry;

/// <summary>One proxied connection or HTTP request, or one refused, as the access log records it.</summary>
/// <remarks>
/// <see cref="ResponseFlags"/> uses Envoy's vocabulary (NR no route, UH no healthy upstream, UF upstream
/// connect failure, URX attempts exhausted, UT upstream timeout, FI fault injected…); <see cref="Details"/>
/// says why in snake_case as Envoy's response code details do, and <see cref="FailedHop"/> names where it
/// failed, so a refused connection explains itself. Envoy has no response flag for an RBAC denial: like Envoy,
/// a denial keeps flags "-" and says <c>rbac_access_denied_matched_policy[ns/name]</c> in the details
/// (<see cref="PolicyDenied"/>). The HTTP fields are set only for requests seen by a gateway or waypoint.
/// </remarks>
public sealed record AccessLogRecord
{
    private string? _connectionId;

    public required DateTimeOffset Start { get; init; }
    public required string Direction { get; init; }
    public required string Node { get; init; }
    /// <summary>The connection's (or request's) id; a random one when none is given, made only then (an initializer would run for every record).</summary>
    public string ConnectionId
    {
        // The same record can reach the stdout writer and the ALS sender at once: the first id made wins for both.
        get => _connectionId ?? Interlocked.CompareExchange(ref _connectionId, Guid.NewGuid().ToString("N")[..16], null) ?? _connectionId!;
        init => _connectionId = value;
    }

    public string? SourceWorkload { get; init; }
    public string? SourceNamespace { get; init; }
    public string? SourcePrincipal { get; init; }
    public string? SourceAddress { get; init; }
    public string? DestinationWorkload { get; init; }
    public string? DestinationNamespace { get; init; }
    public string? DestinationPrincipal { get; init; }
    public string? DestinationService { get; init; }
    public string? UpstreamHost { get; init; }
    public string? Requested { get; init; }
    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    public TimeSpan Duration { get; init; }
    public string Security { get; init; } = "none";
    public string ResponseFlags { get; init; } = "-";
    public string Details { get; init; } = "-";
    public string? FailedHop { get; init; }

    /// <summary>The AuthorizationPolicy ("ns/name") that decided a denial, when one did.</summary>
    public string? Policy { get; init; }

    /// <summary>HTTP method; null for a TCP connection record.</summary>
    public string? Method { get; init; }

    /// <summary>HTTP <c>:authority</c> / Host.</summary>
    public string? Authority { get; init; }

    /// <summary>HTTP path with query.</summary>
    public string? Path { get; init; }

    /// <summary>HTTP protocol as Envoy prints it: HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/3.</summary>
    public string? Protocol { get; init; }

    /// <summary>HTTP response code; 0 when no response was sent (and always for TCP).</summary>
    public int ResponseCode { get; init; }

    /// <summary>The request's <c>x-request-id</c>.</summary>
    public string? RequestId { get; init; }

    /// <summary>The route that matched ("HTTPRoute ns/name" rule), as Envoy's ROUTE_NAME.</summary>
    public string? RouteName { get; init; }

    /// <summary>The backend cluster the request went to, as Envoy's UPSTREAM_CLUSTER.</summary>
    public string? UpstreamCluster { get; init; }

    /// <summary>The request's <c>user-agent</c>.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Retries after the first attempt (Envoy's attempt count minus one).</summary>
    public int RetryCount { get; init; }

    /// <summary>The share of like records this one stands for (Envoy's sample_rate, (0, 1]).</summary>
    public double SampleRate { get; init; } = 1;

    /// <summary>Whether this is an HTTP request record rather than a TCP connection record.</summary>
    public bool IsHttp => Method is not null;

    /// <summary>Whether the record counts as an error: response flags, a 5xx, a policy denial, or any refusal (a failed hop).</summary>
    public bool IsError => ResponseFlags != "-" || ResponseCode >= 500 || PolicyDenied || FailedHop is not null;

    /// <summary>Whether an AuthorizationPolicy refused the connection or request.</summary>
    public bool PolicyDenied => Details.StartsWith(RbacDeniedPrefix, StringComparison.Ordinal);

    /// <summary>Envoy's details prefix for an RBAC denial.</summary>
    public const string RbacDeniedPrefix = Skein.Core.Telemetry.SkeinLogMetadata.RbacDeniedPrefix;

    /// <summary>A human reason in Envoy's details form: whitespace becomes '_' so the text line stays one token.</summary>
    public static string ToDetails(string reason)
    {
        foreach (var c in reason)
        {
            if (char.IsWhiteSpace(c))
            {
                return string.Join('_', reason.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            }
        }

        // The common case (via_upstream, route_not_found...): already one token.
        return reason;
    }

    /// <summary>Envoy's details for a denial by <paramref name="policy"/> ("none" when no ALLOW policy matched).</summary>
    public static string RbacDenied(string? policy) => $"{RbacDeniedPrefix}{ToDetails(policy ?? "none")}]";
}
