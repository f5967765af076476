namespace Skein.Control.Telemetry;

/// <summary>Counters of the access log service, exported on the control plane's /metrics.</summary>
public sealed class TelemetryStatistics
{
    private long _streams;
    private long _tcp;
    private long _http;

    public long ActiveStreams => Interlocked.Read(ref _streams);

    public long TcpEntries => Interlocked.Read(ref _tcp);

    public long HttpEntries => Interlocked.Read(ref _http);

    public void StreamOpened() => Interlocked.Increment(ref _streams);

    public void StreamClosed() => Interlocked.Decrement(ref _streams);

    public void Received(string kind, int count) => Interlocked.Add(ref kind == "tcp" ? ref _tcp : ref _http, count);
}
