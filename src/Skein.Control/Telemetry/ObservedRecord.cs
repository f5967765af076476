namespace Skein.Control.Telemetry;

/// <summary>One access log entry as the control plane understands it, whichever proxy (Skein or Envoy) sent it.</summary>
public sealed record ObservedRecord
{
    public required DateTimeOffset Start { get; init; }

    /// <summary>"tcp" for a connection, "http" for a request.</summary>
    public required string Protocol { get; init; }

    /// <summary>The reporting proxy's node id (from the stream's identifier).</summary>
    public required string Reporter { get; init; }

    /// <summary>"inbound" or "outbound" relative to the reporting proxy.</summary>
    public string Direction { get; init; } = "outbound";

    /// <summary>Whether a Skein proxy sent it (Skein metadata present) rather than a plain Envoy.</summary>
    public bool FromSkein { get; init; }

    public string? SourceWorkload { get; init; }
    public string? SourceNamespace { get; init; }
    public string? SourcePrincipal { get; init; }
    public string? SourceAddress { get; init; }
    public string? DestinationWorkload { get; init; }
    public string? DestinationNamespace { get; init; }
    public string? DestinationPrincipal { get; init; }

    /// <summary>The destination service's hostname (name.ns.svc.cluster.local).</summary>
    public string? DestinationService { get; init; }
    public string? DestinationAddress { get; init; }

    /// <summary>What the client asked for (host:port or authority), for destinations that never resolved.</summary>
    public string? Requested { get; init; }

    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    public TimeSpan Duration { get; init; }
    public string Security { get; init; } = "none";
    public string ResponseFlags { get; init; } = "-";
    public int ResponseCode { get; init; }
    public string? Details { get; init; }
    public string? FailedHop { get; init; }
    public string? Policy { get; init; }
    public string? RequestId { get; init; }

    /// <summary>The reporting proxy's connection id (Skein proxies), which <c>skein explain --request-id</c> also accepts.</summary>
    public string? ConnectionId { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? RouteName { get; init; }
    public string? UpstreamCluster { get; init; }
    public int Attempts { get; init; }
    public double SampleRate { get; init; } = 1;

    /// <summary>Whether it failed: response flags, a 5xx, a policy denial, or a refusal at a named hop.</summary>
    public bool IsError => ResponseFlags != "-" || ResponseCode >= 500 || PolicyDenied || FailedHop is not null;

    /// <summary>Whether an authorization policy refused it (Envoy's RBAC details, or a 403 naming a policy).</summary>
    public bool PolicyDenied => Details?.StartsWith("rbac_access_denied", StringComparison.Ordinal) == true || Policy is not null;
}
