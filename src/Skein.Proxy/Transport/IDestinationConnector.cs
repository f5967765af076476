using Skein.Proxy.Outbound;

namespace Skein.Proxy.Transport;

/// <summary>The hop from this proxy to a chosen endpoint; the one place HBONE plugs into the data path.</summary>
public interface IDestinationConnector
{
    /// <summary>Opens a byte stream to the endpoint, or throws (<see cref="System.Net.Sockets.SocketException"/>, IOException) when it cannot.</summary>
    ValueTask<Stream> ConnectAsync(UpstreamEndpoint endpoint, CancellationToken ct);

    /// <summary>How the hop is secured, for logs and stats ("none" until HBONE mTLS replaces plain TCP).</summary>
    string Security { get; }
}
