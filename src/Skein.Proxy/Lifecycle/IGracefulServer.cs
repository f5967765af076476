namespace Skein.Proxy.Lifecycle;

/// <summary>A server that finishes its own connections during a drain (Kestrel: <c>Connection: close</c> on HTTP/1.1, GOAWAY on HTTP/2 and HBONE).</summary>
/// <remarks>
/// The registry's listeners only stop accepting and count connections; a protocol that can ask its client to go
/// elsewhere does so here, so kept-alive connections end after their current request instead of at the deadline.
/// </remarks>
public interface IGracefulServer
{
    /// <summary>Asks every connection to finish and completes once they have; when <paramref name="cut"/> fires (the drain deadline or a second signal) aborts the rest.</summary>
    Task StopGracefullyAsync(CancellationToken cut);
}
