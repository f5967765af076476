namespace Skein.Proxy.Telemetry;

/// <summary>One proxied connection, or one refused, as the access log records it.</summary>
/// <remarks>
/// <see cref="ResponseFlags"/> uses Envoy's vocabulary (NR no route, UH no healthy upstream, UF upstream
/// connect failure, URX connect attempts exhausted); <see cref="Details"/> says why in snake_case as Envoy's
/// response code details do, and <see cref="FailedHop"/> names where it failed, so a refused connection
/// explains itself.
/// </remarks>
public sealed record AccessLogRecord
{
    public required DateTimeOffset Start { get; init; }
    public required string Direction { get; init; }
    public required string Node { get; init; }
    public string ConnectionId { get; init; } = Guid.NewGuid().ToString("N")[..16];
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

    /// <summary>A human reason in Envoy's details form: whitespace becomes '_' so the text line stays one token.</summary>
    public static string ToDetails(string reason) => string.Join('_', reason.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
