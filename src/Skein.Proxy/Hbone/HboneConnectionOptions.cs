namespace Skein.Proxy.Hbone;

/// <summary>Tuning for an HBONE HTTP/2 connection; the defaults suit a fat, low-latency pipe between node proxies.</summary>
public sealed class HboneConnectionOptions
{
    /// <summary>Receive window granted to each stream (SETTINGS_INITIAL_WINDOW_SIZE): 4 MiB lets one tunnel fill a 10 Gbit/s link at a few ms RTT.</summary>
    public int InitialStreamWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Receive window for the whole connection, raised from the protocol's 64 KiB by a WINDOW_UPDATE right after the preface.</summary>
    public int ConnectionWindowSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest frame payload accepted (SETTINGS_MAX_FRAME_SIZE); bigger frames mean fewer headers and wake-ups per byte.</summary>
    public int MaxFrameSize { get; init; } = 256 * 1024;

    /// <summary>Concurrent streams per connection: the client's local cap and the server's advertised SETTINGS_MAX_CONCURRENT_STREAMS.</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>Largest decoded header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE).</summary>
    public int MaxHeaderListSize { get; init; } = 64 * 1024;

    /// <summary>How long a server waits for the client preface and first SETTINGS before giving up.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When set, a PING is sent after this long without any frame from the peer.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>How long a keepalive PING may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Upper bound on waiting to flush GOAWAY and close_notify when closing.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        if (InitialStreamWindowSize < 1 || ConnectionWindowSize < Http2Frames.DefaultInitialWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStreamWindowSize), "windows must be positive and the connection window at least 65535");
        }
        if (MaxFrameSize < Http2Frames.DefaultMaxFrameSize || MaxFrameSize > Http2Frames.MaxAllowedFrameSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameSize), "SETTINGS_MAX_FRAME_SIZE must be within 16384..16777215");
        }
        if (MaxConcurrentStreams < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentStreams));
        }
    }
}
