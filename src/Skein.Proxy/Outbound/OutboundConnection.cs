using Skein.Proxy.Transport;

namespace Skein.Proxy.Outbound;

/// <summary>The result of opening an outbound connection: an upstream stream, or why there is none.</summary>
public sealed class OutboundConnection(ResolvedDestination resolved, UpstreamEndpoint? endpoint, HopStream? hop, OutboundError error, string detail) : IAsyncDisposable
{
    public ResolvedDestination Resolved { get; } = resolved;
    public UpstreamEndpoint? Endpoint { get; } = endpoint;
    public Stream? Upstream => Hop?.Stream;
    public HopStream? Hop { get; } = hop;
    public OutboundError Error { get; } = error;
    public string Detail { get; } = detail;

    public ValueTask DisposeAsync() => Upstream?.DisposeAsync() ?? ValueTask.CompletedTask;
}
