using Skein.Core.Protos.Workload;
using Skein.Proxy.Outbound;

namespace Skein.Proxy.Transport;

/// <summary>The hop from this proxy to a chosen endpoint.</summary>
public interface IDestinationConnector
{
    /// <summary>Opens a byte stream to the endpoint on behalf of <paramref name="source"/> (null when the caller is not a known workload).</summary>
    /// <exception cref="HopException">The hop failed for a reason worth reporting (policy, mTLS, unknown source).</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The endpoint could not be reached.</exception>
    ValueTask<HopStream> ConnectAsync(UpstreamEndpoint endpoint, Workload? source, CancellationToken ct);
}

/// <summary>A hop that failed with a reason the caller should surface as is (and not retry elsewhere).</summary>
public sealed class HopException(string message, bool retryable, int? status = null) : IOException(message)
{
    /// <summary>Whether another endpoint might succeed (connect failure) or not (policy denial).</summary>
    public bool Retryable { get; } = retryable;

    /// <summary>The HBONE status the destination answered, when there was one.</summary>
    public int? Status { get; } = status;
}
